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
