import json
import os
import re

import pytest

from vgslib import runs, testing
from vgslib.jobs import grid


def test_conditions_are_declared_once():
    first = grid.conditions("first-results", "laptop")
    assert [c["train_languages"] for c in first] == list(grid.TABLE1) and {c["seed"] for c in first} == {0}
    table1 = grid.conditions("table1", "laptop")
    assert len(table1) == 30 and len({grid.train_run_dir(c) for c in table1}) == 30
    controls = grid.conditions("controls", "laptop")  # Table 1 + links x 3 pairs + 2x x 3 languages, x 5 seeds
    assert len(controls) == 30 + 5 * (3 + 3) and len(set(map(grid.train_run_dir, controls))) == len(controls)
    full = grid.conditions("full", "laptop")
    assert set(map(grid.train_run_dir, controls)) <= set(map(grid.train_run_dir, full))
    dirs = [os.path.basename(grid.train_run_dir(c)) for c in full]
    assert len(set(dirs)) == len(dirs) and set(map(grid.train_run_dir, table1)) <= set(map(grid.train_run_dir, full))
    # links x 3 pairs, 2x x 3 languages, md and lg x 3 (sm is Table 1's), x 5 seeds; 3-d x 3; the paper run;
    # the experiments beyond Table 1 (tests/test_experiments.py counts them)
    beyond = len(grid.conditions("experiments", "laptop")) - len(controls)
    shared = 5  # the width family's English width-256 runs are the size contrasts' en-md runs
    assert len(full) == 30 + 5 * (3 + 3 + 6) + 3 + 1 + beyond - shared
    assert "en-md-paper-seed0" in dirs and "en+fr-links-sm-laptop-seed4" in dirs


def test_local_cluster_runs_skips_and_reports_failures(tmp_path, monkeypatch):
    """A real LocalCluster with two workers: two tiny runs succeed, a bad one fails alone, reruns skip."""
    monkeypatch.setenv("VGSLIB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("VGSLIB_RUNS", str(tmp_path / "runs"))
    overrides = json.dumps(testing.tiny_data_config().to_dict())
    base = {"preset": "smoke", "epochs": 1, "data_overrides": overrides}
    from vgslib.encoders.prepare import prepare

    prepare(testing.tiny_data_config(), progress=False)  # once, before the workers share it
    conds = [
        {**base, "train_languages": "en", "seed": 0},
        {**base, "train_languages": "nl", "seed": 0},
        {**base, "train_languages": "en", "seed": 1, "size": "huge"},
    ]
    results = grid.run_grid(conds, workers=2)
    codes = {r["params"]["train_languages"] + str(r["params"]["seed"]): r["code"] for r in results}
    assert codes["en0"] == 0 and codes["nl0"] == 0 and codes["en1"] != 0
    failed = next(r for r in results if r["code"] != 0)
    assert "'huge'" in failed["log"]
    for r in results:
        assert (r["code"] == 0) == bool(r["dir"] and runs.is_complete(r["dir"]))
    again = grid.run_grid(conds[:2], workers=2)
    assert {r["status"] for r in again} == {"skipped (complete)"}
    assert os.path.exists(os.path.join(results[0]["dir"], "notebook.ipynb"))


def test_runs_do_not_inherit_dasks_malloc_trimming(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    env = grid.run_environment()
    assert "MALLOC_TRIM_THRESHOLD_" not in env and env["OMP_NUM_THREADS"] == "1"


def test_longest_runs_are_submitted_first():
    ordered = sorted(grid.conditions("table1", "laptop"), key=grid.expected_cost, reverse=True)
    assert all("+" in c["train_languages"] for c in ordered[:15]) and not any(
        "+" in c["train_languages"] for c in ordered[15:]
    )
    assert grid.expected_cost({"train_languages": "en+fr"}) == 2 * grid.expected_cost({"train_languages": "en"})


def test_a_bad_grid_is_refused_before_any_cluster_starts(monkeypatch, capsys):
    import pytest

    monkeypatch.setattr(grid, "run_grid", lambda *a, **k: pytest.fail("a cluster was started"))
    with pytest.raises(SystemExit):
        grid.main(["table1", "--preset", "bogus"])
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_gpu_placement_pins_each_worker_to_a_gpu_and_shares_the_cores():
    cpu = grid.placement(cpus=2, gpus=0)
    assert (cpu.workers, cpu.threads, cpu.gpus) == (2, 1, ())
    one = grid.placement(cpus=16, gpus=4)
    assert (one.workers, one.threads, one.gpus) == (4, 4, (0, 1, 2, 3))
    two = grid.placement(cpus=16, gpus=2, runs_per_gpu=3, threads_per_run=2)
    assert (two.workers, two.threads, two.gpus) == (6, 2, (0, 0, 0, 1, 1, 1))
    assert [two.gpu_of(k) for k in range(6)] == [0, 0, 0, 1, 1, 1]


def test_a_run_on_a_gpu_worker_sees_only_its_gpu(monkeypatch):
    """CUDA mocked: a local grid on a 2-GPU machine starts a worker per GPU and pins each run's subprocess."""
    import types

    monkeypatch.setattr(grid, "cuda_devices", lambda: 2)
    plan = grid.placement(cpus=8, gpus=grid.cuda_devices(), runs_per_gpu=2)
    assert plan.workers == 4 and plan.threads == 2
    import dask.distributed

    monkeypatch.setattr(dask.distributed, "get_worker", lambda: types.SimpleNamespace(name=3))
    threads, gpu = grid._worker_slot(plan)
    env = grid.run_environment(threads, gpu)
    assert env["CUDA_VISIBLE_DEVICES"] == "1" and env["OMP_NUM_THREADS"] == "2"
    import pytest

    with pytest.raises(ValueError, match="runs per GPU must be at least 1"):
        grid.placement(cpus=8, gpus=1, runs_per_gpu=0)


def test_the_command_line_reaches_the_grid_with_its_placement(monkeypatch):
    """`python -m vgslib grid` passes every option to `run_grid`, whose signature takes them (a local plan on a
    CPU machine: one single-threaded worker per core, or `--workers`)."""
    import inspect

    seen, real = {}, grid.run_grid
    monkeypatch.setattr(grid, "run_grid", lambda *a: seen.setdefault("args", a) and [])
    assert grid.main(["first-results", "--preset", "smoke", "--workers", "3", "--runs-per-gpu", "2"]) == 0
    conds, scheduler, workers, per_gpu, threads, resource = seen["args"]
    assert len(conds) == 6 and (scheduler, workers, per_gpu, threads, resource) == (None, 3, 2, 0, False)
    inspect.signature(real).bind(*seen["args"])  # the real grid takes what the command line passes
    monkeypatch.setattr(grid, "cuda_devices", lambda: 0)
    assert grid.local_plan(3) == grid.Placement(workers=3, threads=1)


def test_a_grid_on_another_corpus_trains_every_run_on_it(tmp_path):
    """`--data-config`: every condition carries the data config; an experiment's own data change stays on top."""
    config = tmp_path / "data.json"
    config.write_text(json.dumps({"corpus": str(tmp_path), "audio_encoder": {"kind": "precomputed-audio"}}))
    conds = grid.with_data(grid.conditions("experiments", "laptop"), str(config))
    data = [json.loads(c["data_overrides"]) for c in conds]
    assert all(d["corpus"] == str(tmp_path) for d in data)
    assert {d["audio_encoder"]["kind"] for d in data} == {"precomputed-audio", "logmel-audio"}
    assert grid.with_data(conds[:1], None) == conds[:1]
    with pytest.raises(FileNotFoundError, match="nowhere.json"):
        grid.with_data(conds, str(tmp_path / "nowhere.json"))


def test_the_experiments_grid_can_hold_some_families_only(monkeypatch):
    import pytest

    from vgslib import experiments

    seen = {}
    monkeypatch.setattr(grid, "run_grid", lambda *a: seen.__setitem__("args", a) or [])
    assert grid.main(["experiments", "--preset", "laptop", "--families", "vocabulary, injected"]) == 0
    conds = seen["args"][0]
    assert len(conds) == 60 + 15 + 10  # the default grid (Table 1: the baselines; controls) + the families' runs
    assert {c["seed"] for c in conds[60:]} == set(range(5)) and conds[60]["seed"] == conds[61]["seed"] == 0
    assert grid.main(["experiments", "--preset", "laptop", "--families", "languages", "--seeds", "1,0"]) == 0
    assert len(seen["args"][0]) == (6 + 6) * 2 + 7 * 2 and {c["seed"] for c in seen["args"][0]} == {0, 1}
    with pytest.raises(ValueError, match=r"unknown experiment family \['vocab'\]"):
        experiments.select("vocab")
    small, large = (grid.expected_cost({"train_languages": "en", **experiments.train_params(s)})
                    for s in experiments.FAMILY["vocabulary"].settings[::3])  # fmt: skip
    assert large == pytest.approx(small * 26 / 7)  # 26 concepts' tokens against 7: steps per epoch scale with them


@pytest.mark.parametrize("harm", ["a file where its folder goes", "a read-only runs folder"])
def test_a_run_that_cannot_start_fails_alone_and_named(tmp_path, monkeypatch, harm):
    monkeypatch.setenv("VGSLIB_RUNS", str(tmp_path / "runs"))
    params = {"preset": "smoke", "epochs": 1, "train_languages": "en", "seed": 0}
    run_dir = grid.train_run_dir(params)
    os.makedirs(tmp_path / "runs")
    if harm == "a file where its folder goes":
        open(run_dir, "w").write("not a run")
    else:
        os.chmod(tmp_path / "runs", 0o500)
        if os.access(tmp_path / "runs", os.W_OK):  # root writes anyway
            pytest.skip("this user can write into read-only folders")
    result = grid.run_one(params)  # returns, never raises: the grid's other runs go on
    os.chmod(tmp_path / "runs", 0o700)
    assert result["code"] != 0 and result["status"] == "failed" and run_dir in result["log"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["table1", "--workers", "-2"], "--workers: -2 is below 1"),  # LocalCluster(n_workers=-2) hung
        (["table1", "--workers", "0"], "--workers: 0 is below 1"),
        (["table1", "--threads-per-run", "-1"], "--threads-per-run: -1 is below 0"),
        (["table1", "--seeds", ""], "--seeds: no seeds given"),  # exited 0 having run nothing
        (["table1", "--seeds", "-1"], r"--seeds: seeds must lie from 0 to 4294967295, got \[-1\]"),
        (["table1", "--seeds", "0,4294967296"], r"got \[4294967296\]"),  # failed late, leaving half runs
        (["table1", "--seeds", "one"], "whole numbers separated by commas"),
    ],
)
def test_wrong_grid_options_are_refused_before_anything_runs(argv, message, capsys, monkeypatch):
    monkeypatch.setattr(grid, "run_grid", lambda *a: pytest.fail("the grid started"))
    with pytest.raises(SystemExit) as exit_:
        grid.main(argv)
    assert exit_.value.code == 2 and re.search(message, capsys.readouterr().err)


def test_a_negative_worker_count_is_refused_by_the_grid_itself():
    with pytest.raises(ValueError, match="at least one worker, got -2"):
        grid.local_plan(-2)


def test_the_first_results_grid_takes_the_seeds_it_is_given(monkeypatch):
    seen = {}
    monkeypatch.setattr(grid, "run_grid", lambda conds, *a: seen.setdefault("conds", conds) and [])
    grid.main(["first-results", "--preset", "smoke", "--seeds", "2,3"])
    assert sorted({c["seed"] for c in seen["conds"]}) == [2, 3] and len(seen["conds"]) == 12
    assert {c["seed"] for c in grid.conditions("first-results", "smoke")} == {0}


def test_the_pipeline_refuses_an_unknown_preset_before_preparing(capsys, monkeypatch):
    from vgslib.jobs import pipeline

    monkeypatch.setattr(pipeline.subprocess, "call", lambda *a, **k: pytest.fail("a stage started"))
    for argv, message in ((["--preset", "bogus"], "invalid choice: 'bogus'"), (["--workers", "-2"], "below 1")):
        with pytest.raises(SystemExit):
            pipeline.main(argv)
        assert message in capsys.readouterr().err


def test_the_pipeline_records_each_stage_as_it_ends_and_stops_at_a_failure(tmp_path, monkeypatch):
    from vgslib.jobs import pipeline

    monkeypatch.setenv("VGSLIB_RESULTS", str(tmp_path))
    path = pipeline.times_path("table1", "smoke")
    seen = []

    def call(cmd, **kwargs):  # the statistics stage fails; the record holds the stages before it at that moment
        seen.append(json.load(open(path))["stages"] if os.path.exists(path) else [])
        return 3 if "analyse" in cmd else 0

    monkeypatch.setattr(pipeline.subprocess, "call", call)
    assert pipeline.main(["--grid", "table1", "--preset", "smoke"]) == 3
    assert [len(stages) for stages in seen] == [0, 1, 2]  # the book stage never started
    rec = json.load(open(path))
    assert rec["grid"] == "table1" and rec["preset"] == "smoke" and rec["cpus"] == os.cpu_count()
    assert [s["status"] for s in rec["stages"]] == ["ok", "ok", "failed (exit 3)"]
    assert rec["stages"][1]["stage"] == "train and test (table1 grid)" and len(rec["commit"]) == 40
    assert rec["total_seconds"] == pytest.approx(sum(s["seconds"] for s in rec["stages"]), abs=0.2)
