"""A grid worker's warm kernel (`jobs.warm`): runs on it end with the numbers of runs on a fresh kernel, each
notebook starts in an empty namespace, and a dead kernel or a failing notebook costs only its own run."""

import json
import os
import signal
import subprocess
import sys

import pytest

from vgslib import paths, runs, testing
from vgslib.jobs import grid, warm


@pytest.fixture
def tiny_runs(tmp_path, monkeypatch, study):
    monkeypatch.setenv("VGSLIB_RUNS", str(tmp_path / "runs"))
    base = {"preset": "smoke", "epochs": 2, "data_overrides": json.dumps(testing.tiny_data_config().to_dict())}
    yield base
    warm.shutdown()


PROBE_HEADER = (  # a notebook with one parameter, `step`
    "# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n#     name: python3\n"
    '# ---\n\n# %% tags=["parameters"]\nstep: int = 0  # which step\n\n'
)


def _record(run_dir: str) -> dict:
    files = ("trials.csv", runs.UNTRAINED_TRIALS, "metrics.jsonl")
    out = {name: open(os.path.join(run_dir, name)).read() for name in files}
    done = json.load(open(os.path.join(run_dir, runs.COMPLETE)))
    done.pop("seconds_this_session")
    metrics = [json.loads(line) for line in out.pop("metrics.jsonl").splitlines()]
    for row in metrics:
        row.pop("train_seconds", None)
    return {**out, "done": done, "metrics": metrics}


def test_a_run_on_a_warm_kernel_equals_the_run_on_a_fresh_one(tiny_runs, tmp_path):
    """The same seed on a kernel that has just trained another condition (its names, its torch state) and on a
    fresh kernel started by the command line: the same trials, untrained trials and metrics."""
    first = grid.run_one({**tiny_runs, "train_languages": "nl", "seed": 1})
    second = grid.run_one({**tiny_runs, "train_languages": "en", "seed": 0})
    assert first["code"] == 0 and second["code"] == 0, first["log"] + second["log"]
    assert len(warm._kernels) == 1  # one kernel served both
    fresh_root = tmp_path / "fresh"
    cmd = [sys.executable, "-m", "vgslib", "notebook", "train", "-p", "train_languages", "en", "-p", "seed", "0"]
    for k, v in tiny_runs.items():
        cmd += ["-p", k, str(v)]
    env = {**grid.run_environment(), "VGSLIB_RUNS": str(fresh_root)}
    subprocess.run(cmd, check=True, env=env, cwd=paths.REPO_ROOT, capture_output=True)
    fresh = fresh_root / os.path.basename(second["dir"])
    assert _record(second["dir"]) == _record(str(fresh))


def test_each_notebook_starts_in_an_empty_namespace(tmp_path, tiny_runs):
    notebook = tmp_path / "probe.py"
    notebook.write_text(
        PROBE_HEADER + "# %%\nseen = sorted(k for k in globals() if k.startswith('left_'))\n"
        f"left_behind = step\nopen(f'{tmp_path}/seen-{{step}}.txt', 'w').write(repr(seen))\n"
    )
    kernel = warm.kernel(grid.run_environment())
    for step in (1, 2):
        kernel.execute(str(notebook), {"step": step}, str(tmp_path / f"probe-{step}.ipynb"))
    seen = [(tmp_path / f"seen-{s}.txt").read_text() for s in (1, 2)]
    assert seen == ["[]", "[]"]  # the first notebook's `left_behind` did not reach the second


def test_a_dead_kernel_is_replaced_and_a_failed_notebook_costs_only_itself(tiny_runs, tmp_path):
    from papermill.exceptions import PapermillExecutionError

    assert grid.run_one({**tiny_runs, "train_languages": "en", "seed": 0})["code"] == 0
    kernel = next(iter(warm._kernels.values()))
    os.kill(kernel.km.provisioner.pid, signal.SIGKILL)  # a crash, or the memory killer
    after_crash = grid.run_one({**tiny_runs, "train_languages": "en", "seed": 1})
    assert after_crash["code"] == 0, after_crash["log"]
    pid = kernel.km.provisioner.pid
    broken = tmp_path / "broken.py"
    broken.write_text(PROBE_HEADER + "# %%\nraise RuntimeError('a notebook that fails')\n")
    with pytest.raises(PapermillExecutionError, match="a notebook that fails"):
        kernel.execute(str(broken), {"step": 0}, str(tmp_path / "broken.ipynb"))
    after_failure = grid.run_one({**tiny_runs, "train_languages": "nl", "seed": 0})
    assert after_failure["code"] == 0 and runs.is_complete(after_failure["dir"])
    assert kernel.km.provisioner.pid == pid  # the same kernel went on
