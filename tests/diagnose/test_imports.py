"""The diagnose package stands on stored data alone: no plotting, no studies, no bridges."""

import subprocess
import sys

BLOCKED = ("matplotlib", "trainlab.viz", "trainlab.sweep", "trainlab.integrations", "trainlab.cli")


def test_diagnose_imports_without_matplotlib_viz_sweep_or_integrations():
    # A fresh interpreter where importing any of BLOCKED fails.
    code = (
        "import sys\n"
        f"for name in {BLOCKED!r}: sys.modules[name] = None\n"
        "import trainlab.diagnose\n"
        "loaded = [m for m in sys.modules if m.startswith(('trainlab.viz', 'trainlab.sweep'))]\n"
        "assert not [m for m in loaded if sys.modules[m] is not None], loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
