"""The diagnose package stands on stored data alone: no plotting, no stages, no bridges."""

import subprocess
import sys

STAGES = ("trainlab.viz", "trainlab.run", "trainlab.study", "trainlab.report")
BLOCKED = ("matplotlib", *STAGES, "trainlab.integrations", "trainlab.cli")


def test_diagnose_imports_without_matplotlib_viz_stages_or_integrations():
    # A fresh interpreter where importing any of BLOCKED fails.
    code = (
        "import sys\n"
        f"for name in {BLOCKED!r}: sys.modules[name] = None\n"
        "import trainlab.diagnose\n"
        f"loaded = [m for m in sys.modules if m.startswith({STAGES!r})]\n"
        "assert not [m for m in loaded if sys.modules[m] is not None], loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
