"""Run directories (`vgslib.runs`): what counts as complete, damaged files named, the listing."""

import json
import os

import pandas as pd
import pytest

from vgslib import recipe, runs
from vgslib.training import experiment


def _cfg(study, **train):
    cfg, _ = study
    return recipe.make_config("smoke", {"data": cfg.to_dict(), "train": train})


def test_a_corrupt_metrics_line_is_named(tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"epoch": 0}\n{"epoch": 1, "val_lo\n')
    with pytest.raises(runs.CorruptRunFileError, match="metrics.jsonl, line 2"):
        runs.read_metrics(str(tmp_path))


def test_the_run_listing_shows_status_and_headline_numbers(study, tmp_path):
    cfg = _cfg(study, epochs=2)
    experiment.run(cfg, str(tmp_path / "done"), data=study[1], progress=False)
    experiment.run(cfg, str(tmp_path / "half"), data=study[1], progress=False, stop_after_epoch=1)
    table = runs.listing(str(tmp_path)).set_index("run")
    assert table.loc["done", "status"] == "complete" and table.loc["half", "status"] == "epoch 1 of 2"
    assert table.loc["done", "ff_en"] == runs.load_run(str(tmp_path / "done"))["done"]["ff_en"]
    assert pd.isna(table.loc["half", "best epoch"]) and table.loc["done", "preset"] == "smoke"


@pytest.mark.parametrize("harm", ["cut at a line", "cut mid-row", "deleted", "a trial flipped"])
def test_a_damaged_run_is_not_complete_and_trains_again_to_the_same_numbers(study, tmp_path, harm):
    cfg = _cfg(study, languages=["en"])
    run_dir = experiment.run(cfg, str(tmp_path / "run"), data=study[1], progress=False)
    path = os.path.join(run_dir, "trials.csv")
    good = pd.read_csv(path)
    assert runs.damage(run_dir) is None, runs.damage(run_dir)
    assert runs.is_complete(run_dir)
    text = open(path).read()
    if harm == "cut at a line":
        open(path, "w").write("".join(text.splitlines(keepends=True)[: len(good) // 2]))
    elif harm == "cut mid-row":
        open(path, "w").write(text[: len(text) // 2])
    elif harm == "deleted":
        os.remove(path)
    else:
        flipped = good.copy()
        flipped.loc[0, "correct"] = not flipped.loc[0, "correct"]  # one trial edited: the counts still agree
        flipped.to_csv(path, index=False)
    assert not runs.is_complete(run_dir) and "trials.csv" in runs.damage(run_dir)
    assert runs.load_runs(str(tmp_path))["trials"].empty  # the analysis never reads it
    experiment.run(cfg, run_dir, data=study[1], progress=False)  # named, then trained again from epoch 0
    assert runs.is_complete(run_dir)
    pd.testing.assert_frame_equal(pd.read_csv(path), good)


@pytest.mark.parametrize("edit", ["seed", "condition"])
def test_a_hand_edited_config_is_refused_and_training_restores_it(study, tmp_path, edit):
    cfg = _cfg(study, languages=["en"])
    run_dir = experiment.run(cfg, str(tmp_path / "run"), data=study[1], progress=False)
    path = os.path.join(run_dir, "config.json")
    record = json.load(open(path))
    if edit == "seed":
        record["train"]["seed"] += 3  # another seed's label on this seed's numbers
    else:
        record["condition"]["seed"] = record["condition"].get("seed", 0) + 3
    json.dump(record, open(path, "w"))
    assert not runs.is_complete(run_dir) and "config.json was edited" in runs.damage(run_dir)
    assert runs.load_runs(str(tmp_path))["trials"].empty
    experiment.run(cfg, run_dir, data=study[1], progress=False)  # the true config is written back
    assert runs.is_complete(run_dir) and json.load(open(path))["train"]["seed"] == cfg.train.seed


@pytest.mark.parametrize("name", ["config.json", "done.json"])
def test_an_unreadable_run_file_is_named_everywhere(study, tmp_path, name):
    """A cut `done.json` makes the run damaged (listed so, trained again); a cut `config.json` cannot tell which
    run the folder holds: training, loading and the listing name it instead of a bare JSONDecodeError."""
    cfg = _cfg(study, epochs=1)
    run_dir = experiment.run(cfg, str(tmp_path / "r"), data=study[1], progress=False)
    path = os.path.join(run_dir, name)
    open(path, "w").write(open(path).read()[:20])
    status = runs.listing(str(tmp_path)).set_index("run").loc["r", "status"]
    assert status.startswith(("unreadable", "damaged")) and name in status
    if name == "done.json":
        experiment.run(cfg, run_dir, data=study[1], progress=False)
        assert runs.is_complete(run_dir)
        return
    with pytest.raises(runs.CorruptRunFileError, match=f"{path} is not JSON .*remove the folder"):
        experiment.run(cfg, run_dir, data=study[1], progress=False)
    with pytest.raises(runs.CorruptRunFileError, match=f"{path} is not JSON"):
        runs.load_run(run_dir)


def test_the_listing_of_a_missing_runs_folder_is_an_error(tmp_path, capsys):
    from vgslib.__main__ import main

    assert main(["runs", str(tmp_path / "nowhere")]) == 1  # it said "no runs"
    assert f"runs folder {tmp_path / 'nowhere'} does not exist" in capsys.readouterr().err
