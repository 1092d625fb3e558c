import json
import os

import numpy as np
import pandas as pd
import pytest
import torch

from vgslib import recipe, runs, testing
from vgslib.encoders.prepare import prepare
from vgslib.training import experiment
from vgslib.training.loop import NonFiniteLossError


def _cfg(study, **train):
    cfg, _ = study
    return recipe.make_config("smoke", {"data": cfg.to_dict(), "train": train})


def test_run_writes_a_complete_run_directory(study, tmp_path):
    cfg = _cfg(study, languages=["en", "nl"])
    run_dir = experiment.run(cfg, str(tmp_path / "run"), data=study[1], progress=False)
    run = runs.load_run(run_dir)
    assert run["complete"] and run["config"]["preset"] == "smoke"
    assert list(run["metrics"].epoch) == [0, 1, 2]
    assert {"ff_en", "nf_en", "ff_nl", "nf_nl", "val_loss", "val_ff_en", "val_ff_nl"} <= set(run["metrics"].columns)
    assert run["metrics"].val_ff_en.between(0, 1).all() and "val_ff_en" in run["done"]
    assert run["env"]["git"]["commit"] is not None and run["env"]["packages"]["torch"]
    trials = run["trials"]
    assert {
        "test",
        "lang",
        "audio_id",
        "target_id",
        "distractor_id",
        "target_score",
        "distractor_score",
        "correct",
    } <= set(trials.columns)
    best = run["done"]["best_epoch"]
    assert best == int(run["metrics"].val_loss.idxmin())
    assert run["done"]["ff_en"] == pytest.approx(trials[(trials.test == "ff") & (trials.lang == "en")].correct.mean())
    emb = runs.load_embeddings(run_dir)
    assert np.allclose(np.linalg.norm(emb["audio_emb"], axis=1), 1, atol=1e-3)
    assert set(emb["audio_lang"]) == {"en", "nl"}
    untrained = runs.load_embeddings(run_dir, untrained=True)  # epoch 0: same items, other vectors
    assert (untrained["audio_id"] == emb["audio_id"]).all() and not np.allclose(
        untrained["audio_emb"], emb["audio_emb"]
    )
    tidy = runs.load_runs(str(tmp_path))
    assert len(tidy["runs"]) == 1 and tidy["trials"]["train_langs"].iloc[0] == "en+nl"


def test_same_seed_same_metrics_and_resume_is_exact(study, tmp_path):
    cfg = _cfg(study, epochs=3)
    full = runs.read_metrics(experiment.run(cfg, str(tmp_path / "a"), data=study[1], progress=False))
    experiment.run(cfg, str(tmp_path / "b"), data=study[1], progress=False, stop_after_epoch=1)
    assert not runs.is_complete(str(tmp_path / "b"))
    resumed = runs.read_metrics(experiment.run(cfg, str(tmp_path / "b"), data=study[1], progress=False))
    drop = lambda rows: [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]  # noqa: E731
    assert drop(full) == drop(resumed)
    again = runs.read_metrics(experiment.run(cfg, str(tmp_path / "c"), data=study[1], progress=False))
    assert drop(full) == drop(again)


def test_links_and_2x_run(study, tmp_path):
    cfg = _cfg(study, languages=["en", "nl"], links=True, epochs=1)
    assert runs.is_complete(experiment.run(cfg, str(tmp_path / "links"), data=study[1], progress=False))
    cfg2 = _cfg(study, anchor_repeats=2, epochs=1)
    groups = runs.read_metrics(experiment.run(cfg2, str(tmp_path / "2x"), data=study[1], progress=False))[1]["groups"]
    cfg1 = _cfg(study, epochs=1)
    groups1 = runs.read_metrics(experiment.run(cfg1, str(tmp_path / "1x"), data=study[1], progress=False))[1]["groups"]
    assert groups == 2 * groups1 == 2 * 13 * 4


def test_a_run_dir_belongs_to_one_config(study, tmp_path):
    done = experiment.run(_cfg(study, epochs=1), str(tmp_path / "r"), data=study[1], progress=False)
    other = _cfg(study, epochs=1, seed=5)
    assert runs.is_complete(done) and not runs.is_complete(done, other.identity(), other.digest())
    with pytest.raises(ValueError, match="another config"):
        experiment.run(other, str(tmp_path / "r"), data=study[1], progress=False)
    same = _cfg(study, epochs=1).replace(train=_cfg(study, epochs=1).train.replace(threads=2))
    assert runs.is_complete(done, same.identity(), same.digest())  # threads do not make another run


def test_non_finite_loss_stops_with_a_clear_error_and_keeps_epoch_0(study, tmp_path, monkeypatch):
    from vgslib.training import loop as train

    real = train.group_loss
    monkeypatch.setattr(
        train, "group_loss", lambda model, *a: real(model, *a) * (torch.tensor(float("nan")) if model.training else 1)
    )
    with pytest.raises(NonFiniteLossError, match="epoch 1, step 0"):
        experiment.run(_cfg(study, epochs=1), str(tmp_path / "nan"), data=study[1], progress=False)
    kept = runs.read_metrics(str(tmp_path / "nan"))
    assert [m["epoch"] for m in kept] == [0]
    assert pd.read_csv(tmp_path / "nan" / "trials.csv").shape[0] > 0
    assert json.load(open(tmp_path / "nan" / "config.json"))["train"]["epochs"] == 1


def _cut_checkpoint(run_dir):
    with open(os.path.join(run_dir, "last.pt"), "r+b") as f:
        f.truncate(100)  # a checkpoint cut short (a kill or a full disk while it was written)


def _cut_metrics(run_dir):
    path = os.path.join(run_dir, "metrics.jsonl")
    lines = open(path).readlines()
    open(path, "w").writelines(lines[:-1])  # the last epoch's line lost: it raised a bare StopIteration


@pytest.mark.parametrize("damage", [_cut_checkpoint, _cut_metrics], ids=["checkpoint", "metrics"])
def test_a_broken_checkpoint_is_named_and_the_run_trains_again_to_the_same_numbers(study, tmp_path, caplog, damage):
    """Logged, not warned: `PYTHONWARNINGS=ignore` does not hide it."""
    cfg = _cfg(study, epochs=2)
    drop = lambda rows: [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]  # noqa: E731
    full = runs.read_metrics(experiment.run(cfg, str(tmp_path / "a"), data=study[1], progress=False))
    run_dir = str(tmp_path / "b")
    experiment.run(cfg, run_dir, data=study[1], progress=False, stop_after_epoch=1)
    damage(run_dir)
    with testing.logs(caplog, "cannot resume .*training it again from epoch 0"):
        experiment.run(cfg, run_dir, data=study[1], progress=False)
    assert drop(runs.read_metrics(run_dir)) == drop(full) and runs.is_complete(run_dir)


def test_one_process_at_a_time_trains_a_run(study, tmp_path):
    """A second process on a run directory that is being trained waits, says so, and then finds it complete;
    two processes started together end with the numbers of one run alone."""
    import subprocess
    import sys

    from vgslib.atomic import exclusive

    cfg = _cfg(study, epochs=2)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg.to_dict()))
    script = (
        "import json, sys; from vgslib.recipe import RunConfig; from vgslib.training import experiment; "
        "experiment.run(RunConfig.from_dict(json.load(open(sys.argv[1]))), sys.argv[2], progress=False)"
    )

    def start(run_dir):
        cmd = [sys.executable, "-c", script, str(tmp_path / "cfg.json"), str(run_dir)]
        return subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)

    held = tmp_path / "held"
    os.makedirs(held)
    with exclusive(str(held / "run"), "training it in the test"):
        waiting = start(held)
        line = waiting.stderr.readline()  # blocks until the child reaches the lock
        assert "waiting: another process is training" in line and waiting.poll() is None
    assert waiting.wait(timeout=300) == 0 and runs.is_complete(str(held))
    together = [start(tmp_path / "together") for _ in range(2)]
    assert [p.wait(timeout=300) for p in together] == [0, 0], [p.stderr.read() for p in together]
    alone = runs.read_metrics(experiment.run(cfg, str(tmp_path / "alone"), data=study[1], progress=False))
    drop = lambda rows: [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]  # noqa: E731
    assert drop(runs.read_metrics(str(tmp_path / "together"))) == drop(alone) == drop(runs.read_metrics(str(held)))


def test_flat_memory_mapped_pools_give_the_same_numbers(study, tmp_path, monkeypatch):
    """VGSLIB_FLAT_POOLS=1 (features memory-mapped in float16, pools unpadded, batches padded as they are cut)
    trains the same run as the padded in-memory pools: identical metrics and trial scores (in bf16, where the
    float16 -> bf16 rounding of the flat path must equal the float16 -> float32 -> bf16 of the padded one)."""
    cfg = _cfg(study, languages=["en", "nl"], precision="bf16")
    padded = runs.load_run(experiment.run(cfg, str(tmp_path / "padded"), data=study[1], progress=False))
    monkeypatch.setenv("VGSLIB_FLAT_POOLS", "1")
    mapped = prepare(study[0], progress=False)
    assert isinstance(mapped.audio[("train", "en")].tokens, np.memmap)
    assert isinstance(experiment.feature_pool(mapped, "train", ["en"], True), experiment.FlatPool)
    flat = runs.load_run(experiment.run(cfg, str(tmp_path / "flat"), data=mapped, progress=False))
    pd.testing.assert_frame_equal(flat["metrics"].drop(columns="train_seconds"),
                                  padded["metrics"].drop(columns="train_seconds"))  # fmt: skip
    assert np.array_equal(flat["trials"].target_score, padded["trials"].target_score)


def test_in_step_negatives_train_a_run_of_their_own_identity_with_the_same_numbers_twice(study, tmp_path):
    """`train.negatives = "batch"` trains end to end (links too), is a recipe of its own (another identity and
    folder than the paper's sampler) and gives the same numbers for the same seed."""
    pool = _cfg(study, languages=["en", "nl"], links=True)
    batch = _cfg(study, languages=["en", "nl"], links=True, negatives="batch")
    assert pool.identity() != batch.identity() and recipe.run_dir(pool) != recipe.run_dir(batch)
    a = runs.read_metrics(experiment.run(batch, str(tmp_path / "a"), data=study[1], progress=False))
    b = runs.read_metrics(experiment.run(batch, str(tmp_path / "b"), data=study[1], progress=False))
    drop = lambda rows: [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]  # noqa: E731
    assert drop(a) == drop(b) and np.isfinite([r["val_loss"] for r in a]).all()
    assert runs.load_run(str(tmp_path / "a"))["config"]["train"]["negatives"] == "batch"


def test_the_untrained_baseline_is_kept_and_rebuilt_identically_from_the_config(study, tmp_path):
    cfg = _cfg(study, languages=["en"])
    run_dir = experiment.run(cfg, str(tmp_path / "run"), data=study[1], progress=False)
    kept = pd.read_csv(os.path.join(run_dir, runs.UNTRAINED_TRIALS))
    epoch0 = runs.load_run(run_dir)["metrics"].iloc[0]
    assert kept[kept.test == "nf"].correct.mean() == pytest.approx(epoch0.nf_en)  # the epoch-0 model's trials
    assert recipe.load_config(run_dir).identity() == cfg.identity()
    os.remove(os.path.join(run_dir, runs.UNTRAINED_TRIALS))  # a run trained before the file was kept
    assert experiment.backfill_untrained(str(tmp_path), progress=False) == 1
    rebuilt = pd.read_csv(os.path.join(run_dir, runs.UNTRAINED_TRIALS))
    pd.testing.assert_frame_equal(rebuilt, kept)
    assert len(runs.load_runs(str(tmp_path))["untrained"]) == len(kept)
    assert experiment.backfill_untrained(str(tmp_path), progress=False) == 0  # nothing left to score
