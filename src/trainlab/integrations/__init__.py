"""Bridges to other tools: TensorBoard export, a Lightning callback, notebook display.

Each lives in its own module and imports its optional package only when used:
``trainlab.integrations.tensorboard`` (extra ``tensorboard``),
``trainlab.integrations.lightning`` (extra ``lightning``),
``trainlab.integrations.notebook`` (HTML for Jupyter; no extra needed to build it).
"""

__all__: list[str] = []
