"""Run the project's notebooks (jupytext percent `.py`) with papermill, validating parameters first.

`python -m vgslib notebook train -p train_languages en+fr -p seed 1 [--output run.ipynb]`
Papermill only warns about unknown parameters; here an unknown name or a value of the wrong type is an
error before anything runs. A notebook whose parameters are declared in the library (`train`:
`vgslib.params.TrainParams`) is validated against that declaration, any other against its `parameters`
cell. The executed notebook is kept (by default in the run directory).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile

from vgslib import paths
from vgslib.kernels import kernel_manager_class
from vgslib.params import NOTEBOOK_PARAMS, AnalysisParams, TrainParams, convert

NOTEBOOK_DIR = os.path.join(paths.REPO_ROOT, "notebooks")
DECLARED = NOTEBOOK_PARAMS  # notebooks whose parameters the library declares


def notebook_path(name: str) -> str:
    path = name if name.endswith(".py") else os.path.join(NOTEBOOK_DIR, f"{name}.py")
    if not os.path.exists(path):
        raise FileNotFoundError(f"notebook {path} does not exist")
    return path


def parameters(path: str) -> dict[str, dict]:
    """The notebook's parameters: name -> {type, default, help}, read from its `parameters` cell."""
    import jupytext

    nb = jupytext.read(path)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path} must have exactly one cell tagged 'parameters', found {len(cells)}")
    out = {}
    for line in cells[0].source.splitlines():
        node = ast.parse(line).body[0] if line.strip() and not line.strip().startswith("#") else None
        if isinstance(node, ast.AnnAssign):
            help_text = line.split("#", 1)[1].strip() if "#" in line else ""
            out[node.target.id] = {
                "type": ast.unparse(node.annotation),
                "default": ast.literal_eval(node.value),
                "help": help_text,
            }
    return out


def declared(path: str) -> dict[str, dict]:
    """The parameters a notebook takes: the library's declaration where there is one, else its cell."""
    params = DECLARED.get(os.path.basename(path))
    return params.spec() if params else parameters(path)


def validate(path: str, given: dict) -> dict:
    """Check names and types against the notebook's parameters; return the values converted to their types."""
    spec = declared(path)
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for {os.path.basename(path)}; known parameters are {sorted(spec)}"
        )
    return {name: convert(name, spec[name]["type"], value) for name, value in given.items()}


def execute(
    name: str,
    params: dict,
    output: str,
    cwd: str | None = None,
    timeout: int | None = None,
    echo: bool = False,
    **engine: object,
) -> str:
    """Validate, convert with jupytext, execute with papermill into `output` (an .ipynb); with `echo`, what the
    notebook prints is shown here as it runs; `engine`: papermill's engine and its arguments (`jobs.warm`)."""
    import jupytext
    import papermill

    path = notebook_path(name)
    values = validate(path, params)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, os.path.basename(path).replace(".py", ".ipynb"))
        jupytext.write(jupytext.read(path), source)
        papermill.execute_notebook(
            source,
            output,
            parameters=values,
            kernel_name="python3",
            cwd=cwd or NOTEBOOK_DIR,
            progress_bar=False,
            stdout_file=sys.stdout if echo else None,
            stderr_file=sys.stderr if echo else None,
            execution_timeout=timeout,
            **(engine or {"kernel_manager_class": kernel_manager_class()}),
        )
    return output


def train_run_dir(given: dict) -> str:
    """The run directory the training notebook will write for these parameters."""
    return TrainParams(**TrainParams.validate(given)).run_dir()


def lab_output(values: dict) -> str:
    """Where a student's executed lab notebook goes: labs/lab-<student>-<languages>-seed<k>.ipynb."""
    from vgslib.report.lab import slug

    spec = {k: v["default"] for k, v in parameters(notebook_path("lab")).items()}
    v = spec | values
    name = f"lab-{slug(v['student'])}-{v['train_languages']}-seed{v['seed']}.ipynb"
    return os.path.join(paths.REPO_ROOT, "labs", name)


def parameter_table(name: str):
    """The parameters of a notebook as a DataFrame (for the book)."""
    import pandas as pd

    spec = declared(notebook_path(name))
    return pd.DataFrame(
        [
            {"parameter": k, "type": v["type"], "default": repr(v["default"]), "meaning": v["help"]}
            for k, v in spec.items()
        ]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib notebook", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebook", help="a notebook name in notebooks/ (e.g. train) or a .py path")
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("--output", default="", help="executed notebook (default: <run dir>/notebook.ipynb)")
    parser.add_argument("--help-parameters", action="store_true", help="list the parameters and exit")
    args = parser.parse_args(argv)
    if args.help_parameters:
        print(parameter_table(args.notebook).to_string(index=False))
        return 0
    params = dict(args.p)
    for name in ("output_dir", "runs_dir"):  # the notebook runs in notebooks/: make paths absolute first
        if params.get(name):
            params[name] = os.path.abspath(params[name])
    output = args.output
    if not output:
        if os.path.basename(notebook_path(args.notebook)) == "train.py":
            run_dir = train_run_dir(params)
            params.setdefault("output_dir", run_dir)
            output = os.path.join(run_dir, "notebook.ipynb")
        elif os.path.basename(notebook_path(args.notebook)) == "analyse.py":
            analysis = AnalysisParams(**AnalysisParams.validate(params))
            from vgslib.results.study import check_options

            check_options(analysis.items("families"), analysis.items("estimators"), analysis.items("tests"))
            if (
                not analysis.preset
            ):  # the preset with the most runs, named here so the notebook lands beside its results
                from vgslib import runs
                from vgslib.results.tables import choose_preset

                found = runs.load_runs(analysis.runs())["runs"]
                if not found.empty:
                    params["preset"] = choose_preset(found.preset)
            output = os.path.join(analysis.folder(params.get("preset")), "analyse.ipynb")
        elif os.path.basename(notebook_path(args.notebook)) == "lab.py":
            output = lab_output(validate(notebook_path("lab"), params))
        else:
            output = os.path.join(paths.data_root(), "notebooks", f"{args.notebook}.ipynb")
    return run_to_terminal(args.notebook, params, output)


def run_to_terminal(name: str, params: dict, output: str, execute=execute) -> int:
    """`execute` (or another function of its arguments: a warm kernel's, `jobs.warm`), with a failure told on the
    terminal by name in its last line (what a grid's summary shows): the notebook's own error (e.g.
    `DiskFullError` naming the file it could not write), or a full disk that stopped papermill from saving the
    notebook, which hides the notebook's error."""
    import errno
    import shutil

    from papermill.exceptions import PapermillExecutionError

    try:
        execute(name, params, output, echo=True)
    except PapermillExecutionError as err:
        print(str(err), file=sys.stderr)
        print(f"error: notebook {name} failed at In [{err.exec_count}]: {err.ename}: {err.evalue}", file=sys.stderr)
        print(f"the executed notebook, with the failing cell: {output}", file=sys.stderr)
        return 1
    except OSError as err:
        if err.errno != errno.ENOSPC:
            raise
        folder = os.path.dirname(os.path.abspath(output))
        free = shutil.disk_usage(folder).free / 2**20
        print(
            f"error: the disk is full ({free:.0f} MiB free in {folder}): notebook {name} stopped and could not be "
            "saved; every file it wrote is whole (written atomically) and a training run resumes from its last "
            "checkpoint: free space and run it again",
            file=sys.stderr,
        )
        return 1
    print(f"executed notebook: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
