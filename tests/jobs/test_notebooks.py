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


def test_papermill_smoke_run_of_the_lab_notebook_with_the_classroom_preset(tmp_path):
    """A student's lab: the classroom preset's run on a tiny world, its tests, the prediction checked against
    the result, and the hand-in written under labs/ with the student's name."""
    env = {**os.environ, "VGSLIB_DATA": str(tmp_path / "data"), "VGSLIB_RUNS": str(tmp_path / "runs")}
    overrides = json.dumps(testing.tiny_data_config().to_dict())
    out = tmp_path / "lab.ipynb"
    given = {"student": "Ada L.", "train_languages": "nl", "predict_nf": "60", "data_overrides": overrides}
    cmd = [sys.executable, "-m", "vgslib", "notebook", "lab", *[a for k, v in given.items() for a in ("-p", k, v)],
           "--output", str(out)]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    # The kernel's own noise stays off the student's terminal (`vgslib.kernels`).
    assert "without encryption" not in result.stderr and "KeyboardInterrupt" not in result.stderr
    (run_dir,) = [d for d in (tmp_path / "runs").iterdir() if d.is_dir()]
    run = runs.load_run(str(run_dir))
    assert run["complete"] and run["config"]["preset"] == "classroom" and run["config"]["train"]["epochs"] == 7
    text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/markdown", ""))
                   for c in json.load(open(out))["cells"] for o in c.get("outputs", []))  # fmt: skip
    assert "You predicted 60 %" in text and "-classroom-seed0" in text
    # The hand-in reads outside the book: the chart drawn as SVG (no script), no progress bars (the default),
    # the novel words as Dutch says them.
    outputs = [o for c in json.load(open(out))["cells"] for o in c.get("outputs", [])]
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)
    assert not any("vegaEmbed" in "".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "epoch 1" not in text and "it/s" not in text
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    from vgslib.sources import concepts

    dutch = {c.words["nl"] for c in concepts.NOVEL} - {c.name for c in concepts.NOVEL}  # words unlike their name
    assert any(f">{w}<" in html for w in dutch)
    # ... and exports with the environment's own nbconvert (what a student or a course platform does with it).
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    export = subprocess.run([jupyter, "nbconvert", "--to", "html", str(out), "--output-dir", str(tmp_path / "html")],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert export.returncode == 0, export.stderr[-2000:]
    exported = (tmp_path / "html" / "lab.html").read_text()
    assert 'data-mime-type="image/svg+xml"' in exported and 'src="data:image/svg+xml' in exported  # the chart
    assert notebooks.lab_output({"student": "Ada L.", "train_languages": "nl"}).endswith(
        "labs/lab-ada-l-nl-seed0.ipynb"
    )


def test_a_lab_without_a_student_name_fails_before_training():
    with pytest.raises(ValueError, match="student must name you"):
        notebooks.lab_output({"student": "  ", "train_languages": "fr"})


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("estimators", "bogus", r"unknown estimators \['bogus'\]"),  # was a KeyError inside the notebook
        ("tests", "xx", r"unknown tests \['xx'\]"),  # exited 0 having estimated nothing
        ("families", "glmm", r"unknown families \['glmm'\]"),
    ],
)
def test_the_analysis_refuses_unknown_options_before_running(name, value, message, monkeypatch, tmp_path):
    monkeypatch.setattr(notebooks, "execute", lambda *a, **k: pytest.fail("the notebook ran"))
    with pytest.raises(ValueError, match=message):
        notebooks.main(["analyse", "-p", name, value, "-p", "runs_dir", str(tmp_path), "-p", "preset", "smoke"])


def test_a_notebooks_own_error_is_named_on_the_terminals_last_line(tmp_path, capsys):
    """A full disk inside a notebook is a named `DiskFullError`; the terminal (and the grid's summary, which
    shows a failed run's last line) names it, not papermill's bare traceback."""
    notebook = tmp_path / "fills.py"
    notebook.write_text(
        "# %% tags=['parameters']\nsize: int = 1  # how much\n\n"
        "# %%\nimport errno\nfrom vgslib.atomic import DiskFullError\n"
        "raise DiskFullError(errno.ENOSPC, 'the disk is full: could not write runs/x/last.pt (0 MiB free)')\n"
    )
    assert notebooks.main([str(notebook), "--output", str(tmp_path / "out.ipynb")]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-2]
    assert last.startswith("error: notebook") and "DiskFullError" in last and "could not write runs/x/last.pt" in last


def test_a_full_disk_that_stops_papermill_saving_is_named(tmp_path, capsys, monkeypatch):
    import errno

    import papermill

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(papermill, "execute_notebook", full)
    assert notebooks.run_to_terminal("train", {}, str(tmp_path / "out.ipynb")) == 1
    assert "error: the disk is full" in capsys.readouterr().err
