"""End to end on a tiny configuration: miniature -> encoders -> features -> one short run -> the book.

A broken chapter fails this test (the book builds strictly: warnings and cell errors are failures).
"""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from vgslib import paths, testing


def _run(cmd, env, timeout=900):
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    return result


@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    """The main job on a tiny configuration, step by step (its checks: `test_main_job_smoke`)."""
    tmp_path = tmp_path_factory.mktemp("main-job")
    env = {**os.environ, "VGSLIB_DATA": str(tmp_path / "data"), "VGSLIB_RUNS": str(tmp_path / "runs")}
    env["VGSLIB_RESULTS"] = str(tmp_path / "results")
    cfg = tmp_path / "data-config.json"
    cfg.write_text(json.dumps(testing.tiny_data_config().to_dict()))
    out = _run([sys.executable, "-m", "vgslib", "prepare", "--config", str(cfg), "--quiet"], env).stdout
    assert "audio" in out and (tmp_path / "data" / "probe.csv").exists()
    for langs in ("en", "en+nl"):
        _run(
            [
                sys.executable,
                "-m",
                "vgslib",
                "notebook",
                "train",
                "-p",
                "preset",
                "smoke",
                "-p",
                "train_languages",
                langs,
                "-p",
                "data_overrides",
                cfg.read_text(),
                "-p",
                "progress",
                "false",
            ],
            env,
        )
    # The analysis notebook through papermill (the fast estimators here; the sampled GLMM: tests/results).
    analyse = [sys.executable, "-m", "vgslib", "notebook", "analyse", "-p", "estimators", "laplace+gee"]
    _run(analyse + ["-p", "progress", "false"], env)
    assert (tmp_path / "results" / "smoke" / "summary.json").exists()
    assert (tmp_path / "results" / "smoke" / "analyse.ipynb").exists()
    assert (tmp_path / "results" / "smoke" / "mechanism.csv").exists()  # the geometry chapter reads it
    build = [sys.executable, "-m", "vgslib", "book", "--complete", "--path-output", str(tmp_path / "book")]
    (tmp_path / "book.log").write_text(_run(build, env).stdout)
    return tmp_path, env


def test_main_job_smoke(main_job):
    tmp_path, env = main_job
    html = tmp_path / "book" / "_build" / "html"
    for page in (
        "index.html",
        "book/data.html",
        "book/encoders.html",
        "book/model.html",
        "book/first-results.html",
        "book/me.html",
        "book/bilingual.html",
        "book/geometry.html",
        "book/rerun.html",
        "book/environment.html",
    ):
        assert (html / page).exists(), page
    results = (html / "book" / "first-results.html").read_text()
    assert "familiar–familiar" in results and "vegaEmbed" in results
    assert (html / "_static" / "vega-bundle.js").exists()
    me = (html / "book" / "me.html").read_text()
    assert "Table 1, replicated" in me and "EN NF" in me
    bilingual = (html / "book" / "bilingual.html").read_text()
    assert "en+nl vs en" in bilingual and "GLMM (Laplace approximation)" in bilingual
    assert "train_languages" in (html / "book" / "rerun.html").read_text()
    # Jupyter Book rendered the pages `book.execute_pages` had executed side by side, without executing them again.
    assert "Using cached notebook" in (tmp_path / "book.log").read_text()


def test_a_class_book_over_some_conditions_renders_every_page(main_job):
    """The teaching page's route: a class's runs in a folder of their own (here only the bilingual run, no English
    monolingual one), analysed, then rendered. A class without any monolingual run still lacks the bilingual
    comparison, and says so; the pages that need only runs render from the class's own run."""
    tmp_path, env = main_job
    env = {**env, "VGSLIB_RUNS": str(_class_runs(tmp_path)), "VGSLIB_RESULTS": str(tmp_path / "class-results")}
    _run([sys.executable, "-m", "vgslib", "notebook", "analyse", "-p", "estimators", "laplace+gee", "-p", "progress",
          "false"], env)  # fmt: skip
    after = _run([sys.executable, "-m", "vgslib", "book", "--path-output", str(tmp_path / "class-book")], env).stdout
    html = tmp_path / "class-book" / "_build" / "html" / "book"
    assert "holds no complete analysis" not in after and "no bilingual–monolingual contrast" in after
    for page in ("first-results", "data", "space", "beyond"):
        assert "Not computed from the runs at hand" not in (html / f"{page}.html").read_text(), page


def test_before_the_class_analysis_the_me_chapter_stops_on_the_missing_analysis(main_job, monkeypatch):
    """The same class before its analysis: the ME chapter, executed as the book executes it, stops on `MissingInput`
    naming what to run (the book renders such a page as a page saying so: tests/report/test_book.py)."""
    from myst_nb.core.read import read_myst_markdown_notebook

    from vgslib.report import book

    tmp_path, env = main_job
    monkeypatch.setenv("VGSLIB_DATA", env["VGSLIB_DATA"])  # the page's kernel inherits these
    monkeypatch.setenv("VGSLIB_RUNS", str(_class_runs(tmp_path)))
    monkeypatch.setenv("VGSLIB_RESULTS", str(tmp_path / "unanalysed-results"))
    page = os.path.join(paths.REPO_ROOT, "book", "me.md")
    notebook = read_myst_markdown_notebook(open(page, encoding="utf-8").read())
    result = book.run_page(notebook, page, timeout=300)
    assert result.err is not None and "MissingInput" in str(result.err), result.err
    assert "holds no complete analysis" in str(result.err)


def _class_runs(tmp_path):
    """A class's runs folder holding the main job's bilingual run only (made once)."""
    (bilingual,) = glob.glob(str(tmp_path / "runs" / "en+nl-*"))
    folder = tmp_path / "class-runs"
    if not folder.exists():
        shutil.copytree(bilingual, folder / os.path.basename(bilingual))
    return folder
