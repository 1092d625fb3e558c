import os

from vgslib import paths


def test_relative_data_folders_are_made_absolute_for_children(tmp_path, monkeypatch):
    """`VGSLIB_RUNS=runs-x python -m vgslib ...`: a notebook kernel or worker started in another folder finds the
    same runs folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VGSLIB_RUNS", "runs-x")
    monkeypatch.delenv("VGSLIB_DATA", raising=False)
    paths.absolute_environment()
    assert os.environ["VGSLIB_RUNS"] == str(tmp_path / "runs-x") and "VGSLIB_DATA" not in os.environ


def test_an_empty_folder_variable_means_the_default(monkeypatch):
    """`VGSLIB_RUNS=""` wrote runs into the folder a command ran in (the notebooks' `notebooks/`)."""
    for name in paths.FOLDERS:
        monkeypatch.setenv(name, "")
    paths.absolute_environment()
    assert paths.runs_root() == os.path.join(paths.REPO_ROOT, "runs")
    assert paths.data_root() == os.path.join(paths.REPO_ROOT, "data")
    assert paths.results_dir("laptop") == os.path.join(paths.REPO_ROOT, "results", "laptop")
