import os
import subprocess
import sys

from vgslib import paths


def test_imports_only_go_down_the_pipeline():
    """The contracts in pyproject.toml ([tool.importlinter]): the layers, and results/report never reaching
    back into training or the job runners."""
    exe = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    out = subprocess.run([exe], cwd=paths.REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "2 kept, 0 broken" in out.stdout
