import json
import os
import subprocess
import sys

import pytest

from vgslib import runs, testing
from vgslib.jobs import notebooks
from vgslib.params import AnalysisParams, TrainParams


def test_parameters_are_read_with_types_and_help():
    spec = notebooks.parameters(notebooks.notebook_path("train"))
    assert spec["seed"] == {"type": "int", "default": 0, "help": spec["seed"]["help"]} and spec["seed"]["help"]
    assert spec["train_languages"]["default"] == "en" and spec["links"]["type"] == "bool"
    table = notebooks.parameter_table("train")
    assert set(table.parameter) == set(spec) and table.meaning.str.len().min() > 0


@pytest.mark.parametrize("name, declared", [("train", TrainParams), ("analyse", AnalysisParams)])
def test_the_notebooks_parameters_cell_is_the_declared_one(name, declared):
    """A notebook's `parameters` cell mirrors its declaration: same names, order, types, defaults and help."""
    cell = notebooks.parameters(notebooks.notebook_path(name))
    assert list(cell.items()) == list(declared.spec().items())


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sed": 1}, r"unknown parameter\(s\) \['sed'\]"),
        ({"seed": "one"}, "parameter 'seed' must be int"),
        ({"links": "maybe"}, "parameter 'links' must be bool"),
    ],
)
def test_bad_parameters_fail_before_running(params, message):
    with pytest.raises(ValueError, match=message):
        notebooks.validate(notebooks.notebook_path("train"), params)


def test_papermill_smoke_run_of_the_training_notebook(tmp_path):
    """The notebook, executed by papermill in a fresh kernel on a tiny world, writes a complete run."""
    env = {**os.environ, "VGSLIB_DATA": str(tmp_path / "data"), "VGSLIB_RUNS": str(tmp_path / "runs")}
    overrides = json.dumps(testing.tiny_data_config().to_dict())
    out = tmp_path / "runs" / "smoke" / "notebook.ipynb"
    cmd = [
        sys.executable,
        "-m",
        "vgslib",
        "notebook",
        "train",
        "-p",
        "preset",
        "smoke",
        "-p",
        "epochs",
        "1",
        "-p",
        "train_languages",
        "nl",
        "-p",
        "data_overrides",
        overrides,
        "-p",
        "progress",
        "false",
        "-p",
        "output_dir",
        str(out.parent),
        "--output",
        str(out),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    run = runs.load_run(str(out.parent))
    assert run["complete"] and run["config"]["train"]["languages"] == ["nl"] and out.exists()
    executed = json.load(open(out))
    assert any("nl-xsm" in "".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
