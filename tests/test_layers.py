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


def test_the_book_pages_modules_import_no_torch():
    """A book page's kernel imports these (and reads a prepared world and runs); torch costs ~2.7 s a page."""
    modules = ("vgslib.runs", "vgslib.recipe", "vgslib.report.pages", "vgslib.report.intro", "vgslib.report.data",
               "vgslib.report.encoders", "vgslib.report.model", "vgslib.report.first_results", "vgslib.report.me",
               "vgslib.report.bilingual", "vgslib.report.space", "vgslib.report.geometry", "vgslib.report.beyond",
               "vgslib.report.statistics", "vgslib.report.environment", "vgslib.report.real_corpora",
               "vgslib.report.charts", "vgslib.report.vega", "vgslib.report.teaching",
               "vgslib.report.primer", "vgslib.jobs.grid",
               "vgslib.jobs.notebooks", "vgslib.encoders.prepare", "vgslib.results.analysis")  # fmt: skip
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"
