"""Bridges to other tools: TensorBoard export, a Lightning callback, Jupyter display.

Each lives in its own module and imports its optional package only when used:
``trainlab.integrations.tensorboard`` (extra ``tensorboard``),
``trainlab.integrations.lightning`` (extra ``lightning``),
``trainlab.integrations.notebook`` (``%load_ext trainlab``; extra ``notebook``).
"""

__all__: list[str] = []
