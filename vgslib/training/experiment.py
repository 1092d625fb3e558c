"""One run, end to end: a condition's config -> features -> training with per-epoch evaluation -> its run
directory (see `vgslib.runs` for the files).

Epoch 0 is the untrained model. After every epoch: validation loss on frozen validation groups, FF accuracy
on validation trials (`val_ff_<lang>`), test accuracies on the stored trials, a checkpoint to resume from.
The reported model is the epoch with the lowest validation loss. An interrupted run resumes after its last
completed epoch with the same numbers.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm  # text bars: a notebook kernel here has no widgets (tqdm.auto would warn)

from vgslib import paths, recipe, runs
from vgslib.atomic import atomic_path, exclusive, write_json
from vgslib.encoders import features
from vgslib.encoders.base import resolve_device
from vgslib.encoders.prepare import StudyData, prepare
from vgslib.model.accounting import count_parameters
from vgslib.model.towers import VGSModel
from vgslib.recipe import RunConfig
from vgslib.sources import concepts
from vgslib.training import trials
from vgslib.training.evaluate import Evaluation, analysis_subset, evaluate, validation_loss
from vgslib.training.groups import ConceptSampler, FlatPool, Groups, Pool
from vgslib.training.loop import draw_groups, lr_lambda, optimizer, split_batches, train_epoch

log = logging.getLogger(__name__)  # recovery messages: shown also where warnings are filtered out

VAL_SEED = 12345  # the frozen validation groups do not depend on the run's seed


@dataclass
class RunData:
    """What one run trains and tests on, held in the training precision."""

    audio: Pool  # familiar training tokens of the training languages
    images: Pool  # familiar training pictures
    audio_val: Pool
    images_val: Pool
    audio_test: Pool  # every test token of the tested languages
    images_test: Pool  # every test picture
    trials: pd.DataFrame  # the stored trials of the tested languages
    val_trials: pd.DataFrame  # familiar-familiar trials of the validation split (the FF gate for settings)
    analysis: np.ndarray  # rows of `audio_test` whose embeddings the run keeps
    val_batches: list[Groups]  # frozen validation groups, in batches


@dataclass
class Training:
    """The model and what updates it."""

    model: VGSModel
    opt: torch.optim.Optimizer
    sched: torch.optim.lr_scheduler.LRScheduler
    samplers: tuple[ConceptSampler, ConceptSampler]
    device: torch.device


def run(
    cfg: RunConfig,
    run_dir: str | None = None,
    data: StudyData | None = None,
    progress: bool = True,
    stop_after_epoch: int | None = None,
) -> str:
    """Train and evaluate one condition into `run_dir`; resume it if it was interrupted; skip it if done. One
    process at a time trains a run directory: a second one waits, then finds the run complete."""
    run_dir = run_dir or recipe.run_dir(cfg)
    runs.open_run(run_dir, cfg.to_dict(), cfg.digest(), cfg.condition.to_dict(), cfg.identity())
    with exclusive(os.path.join(run_dir, "run"), f"training {run_dir}"):
        if runs.is_complete(run_dir, cfg.identity(), cfg.digest()):
            return run_dir
        discard_damaged(run_dir)
        return _train(cfg, run_dir, data, progress, stop_after_epoch)


def discard_damaged(run_dir: str) -> None:
    """A finished run whose files do not agree (`runs.damage`) is named and trained again from epoch 0 (the same
    seed gives the same numbers): its completion mark and final checkpoint go, so nothing of it is reused."""
    if not os.path.exists(os.path.join(run_dir, runs.COMPLETE)):
        return
    reason = runs.damage(run_dir)
    if reason is None:
        return
    print(f"{run_dir} was complete but is damaged ({reason}): training it again from epoch 0", file=sys.stderr)
    for name in (runs.COMPLETE, "last.pt"):
        if os.path.exists(os.path.join(run_dir, name)):
            os.remove(os.path.join(run_dir, name))


def _train(cfg: RunConfig, run_dir: str, data: StudyData | None, progress: bool, stop_after_epoch: int | None) -> str:
    device = set_up_device(cfg)
    write_json(os.path.join(run_dir, "env.json"), runs.environment(str(device)))
    d = load_run_data(cfg, data or prepare(cfg.data, progress=progress))
    tr = build_training(cfg, d, device)
    start_epoch, best, metrics, broken = resume(run_dir, tr)
    if broken:  # a checkpoint that failed half-way may have changed the model: start from a fresh one
        tr = build_training(cfg, d, device)
    begin = time.time()
    for epoch in range(start_epoch, cfg.train.epochs + 1):
        row, ev = train_and_evaluate(epoch, cfg, d, tr, run_dir, progress)
        if epoch == 0:  # the untrained model's trials and embeddings: the baseline training is measured against
            save_untrained(run_dir, ev, d)
        if row["val_loss"] < best["val_loss"]:
            best = {"epoch": epoch, "val_loss": row["val_loss"]}
            save_best(run_dir, tr.model, ev, d)
        metrics.append(row)
        runs.write_metrics(run_dir, metrics)
        save_checkpoint(run_dir, tr, epoch, best)
        if progress:
            accs = " ".join(f"{k}={v:.3f}" for k, v in row.items() if k[:3] in ("ff_", "nf_"))
            print(f"epoch {epoch:2d}  val_loss {row['val_loss']:.4f}  {accs}", flush=True)
        if stop_after_epoch is not None and stop_after_epoch <= epoch < cfg.train.epochs:
            return run_dir  # simulated interruption (tests)
    finish(run_dir, tr.model, metrics, best, time.time() - begin)
    return run_dir


def set_up_device(cfg: RunConfig) -> torch.device:
    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    return resolve_device(cfg.train.device)


def feature_pool(
    data: StudyData, split: str, langs, familiar_only: bool, precision: str = "fp32", familiar=concepts.FAMILIAR_NAMES
) -> Pool:
    """The items of `split` (audio of `langs`, or images for lang ""), held in the training precision: bf16
    autocast would round each batch's inputs to bf16 anyway, so rounding once up front changes no number.
    `familiar_only`: only the items of the concepts in `familiar` (the run's vocabulary)."""
    parts = []
    for lang in langs:
        f = data.audio[(split, lang)] if lang else data.images[split]
        labels = data.labels("audio" if lang else "image", split, lang or None).to_numpy()
        parts.append((f, labels, lang or ""))
    kind = FlatPool if features.memmapped() else Pool
    pool = kind.from_features(parts, torch.bfloat16 if precision == "bf16" else torch.float32)
    return pool.subset(np.isin(pool.concept, familiar)) if familiar_only else pool


def load_run_data(cfg: RunConfig, data: StudyData) -> RunData:
    """The run's pools, its trials and its frozen validation groups."""
    t, p, vocabulary = cfg.train, cfg.train.precision, cfg.train.familiar_names
    missing = sorted(lang for lang in set(t.languages) | set(cfg.tested) if ("train", lang) not in data.audio)
    if missing:
        raise ValueError(f"the corpus has no audio for language(s) {missing}")
    if t.familiar:  # a vocabulary of its own (the protocol's 13 are checked with the corpus)
        check_vocabulary(data, vocabulary)
    audio_val = feature_pool(data, "val", t.languages, True, p, vocabulary)
    images_val = feature_pool(data, "val", [""], True, p, vocabulary)
    audio_test = feature_pool(data, "test", cfg.tested, False, p)
    table = trials.stored(data, cfg.trial_seed)
    # The validation loss is the run's own objective: its groups are drawn with the run's sampler of negatives.
    val_groups = draw_groups(np.arange(len(audio_val)), audio_val, images_val, np.random.default_rng(VAL_SEED), t)
    return RunData(
        audio=feature_pool(data, "train", t.languages, True, p, vocabulary),
        images=feature_pool(data, "train", [""], True, p, vocabulary),
        audio_val=audio_val,
        images_val=images_val,
        audio_test=audio_test,
        images_test=feature_pool(data, "test", [""], False, p),
        trials=table[table.lang.isin(cfg.tested)].reset_index(drop=True),
        val_trials=trials.generate(
            data.manifest, t.languages, seed=VAL_SEED, split="val", tests=("ff",), familiar=vocabulary
        ),
        analysis=analysis_subset(audio_test, cfg.analysis_tokens),
        val_batches=split_batches(val_groups, t.batch_groups),
    )


def check_vocabulary(data: StudyData, vocabulary: tuple[str, ...]) -> None:
    """Every concept the run trains on has training and validation items of every kind, or a clear error."""
    m = data.manifest
    for split in ("train", "val"):
        have = set(m.images.concept[m.images.split == split]) & set(m.audio.concept[m.audio.split == split])
        absent = [c for c in vocabulary if c not in have]
        if absent:
            raise ValueError(
                f"train.familiar names {absent}, which have no {split} items in this corpus; a miniature world "
                f"makes them with data.world.also_trained"
            )


def build_training(cfg: RunConfig, d: RunData, device: torch.device) -> Training:
    """The seeded model, Adam and the warm-up + cosine schedule over every step of the run."""
    t = cfg.train
    samplers = (ConceptSampler(d.audio.concept), ConceptSampler(d.images.concept))
    torch.manual_seed(t.seed)
    model = VGSModel(cfg.model, d.audio.dim, d.images.dim).to(device)
    opt = optimizer(model, t)
    steps_per_epoch = -(-len(d.audio) * t.anchor_repeats // t.batch_groups)
    total, warmup = steps_per_epoch * t.epochs, int(round(steps_per_epoch * t.warmup_epochs))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_lambda(s, total, warmup, t.lr, t.min_lr))
    return Training(model, opt, sched, samplers, device)


def resume(run_dir: str, tr: Training) -> tuple[int, dict, list[dict], bool]:
    """(first epoch to run, best so far, metrics so far, whether a checkpoint was broken): from `last.pt` if the
    run was interrupted. A checkpoint or metrics file that cannot be read is named and the run starts again from
    epoch 0 (same seed, so the same numbers), rather than stopping or continuing from a broken state."""
    path = os.path.join(run_dir, "last.pt")
    fresh = 0, {"epoch": -1, "val_loss": float("inf")}, []
    if not os.path.exists(path):
        return *fresh, False
    try:
        state = torch.load(path, map_location=tr.device, weights_only=False)
        metrics = [m for m in runs.read_metrics(run_dir) if m["epoch"] <= state["epoch"]]
        if [m["epoch"] for m in metrics] != list(range(state["epoch"] + 1)):  # a line lost or cut
            raise runs.CorruptRunFileError(
                f"metrics.jsonl holds epochs {[m['epoch'] for m in metrics]}, the checkpoint is at epoch "
                f"{state['epoch']}"
            )
        tr.model.load_state_dict(state["model"])
        tr.opt.load_state_dict(state["opt"])
        tr.sched.load_state_dict(state["sched"])
    except (RuntimeError, EOFError, OSError, KeyError, ValueError, pickle.UnpicklingError) as err:
        log.warning(
            "cannot resume %s (%s: %s); training it again from epoch 0", run_dir, type(err).__name__, str(err)[:200]
        )
        os.remove(path)
        return *fresh, True
    return state["epoch"] + 1, state["best"], metrics, False


def train_and_evaluate(
    epoch: int, cfg: RunConfig, d: RunData, tr: Training, run_dir: str, progress: bool
) -> tuple[dict, Evaluation]:
    """One epoch of training (none for epoch 0), then validation loss and test accuracies: its metrics row."""
    t = cfg.train
    row: dict = {"epoch": epoch}
    if epoch > 0:
        row.update(
            train_epoch(
                tr.model, tr.opt, tr.sched, epoch, t, d.audio, d.images, tr.device, run_dir, progress, tr.samplers
            )
        )
    row["lr"] = tr.sched.get_last_lr()[0]
    row["val_loss"] = validation_loss(tr.model, d.val_batches, d.audio_val, d.images_val, tr.device, t.precision)
    val = evaluate(tr.model, d.audio_val, d.images_val, d.val_trials, tr.device, t.precision)
    row.update({f"val_{k}": v for k, v in val.accuracies().items()})
    ev = evaluate(tr.model, d.audio_test, d.images_test, d.trials, tr.device, t.precision)
    row.update(ev.accuracies())
    return row, ev


def save_best(run_dir: str, model: VGSModel, ev: Evaluation, d: RunData) -> None:
    """The best epoch's weights, scored trials and analysis embeddings."""
    with atomic_path(os.path.join(run_dir, "best.pt")) as tmp:
        torch.save(model.state_dict(), tmp)
    with atomic_path(os.path.join(run_dir, "trials.csv")) as tmp:
        ev.scored.to_csv(tmp, index=False)
    save_embeddings(os.path.join(run_dir, runs.EMBEDDINGS), ev, d)


def save_untrained(run_dir: str, ev: Evaluation, d: RunData) -> None:
    """The untrained model's (epoch 0) scored test trials, the baseline of the ME chapter's "does training produce
    ME?", and its analysis embeddings, for the geometry chapter's epoch-0 comparison."""
    with atomic_path(os.path.join(run_dir, runs.UNTRAINED_TRIALS)) as tmp:
        ev.scored.to_csv(tmp, index=False)
    save_embeddings(os.path.join(run_dir, runs.UNTRAINED_EMBEDDINGS), ev, d)


def score_untrained(run_dir: str, data: StudyData | None = None) -> pd.DataFrame:
    """The test trials of a complete run scored by its untrained model, rebuilt from its config (the seeded
    initialisation, the same trials); written to the run's `trials-epoch0.csv` for runs trained before it was
    kept. A run that holds the file is read, not scored again."""
    path = os.path.join(run_dir, runs.UNTRAINED_TRIALS)
    if os.path.exists(path):
        return pd.read_csv(path)
    if not runs.is_complete(run_dir):
        raise ValueError(f"{run_dir} is not a complete run: its untrained baseline comes with its training")
    cfg = recipe.load_config(run_dir)
    device = set_up_device(cfg)
    d = load_run_data(cfg, data or prepare(cfg.data, progress=False))
    model = build_training(cfg, d, device).model
    ev = evaluate(model, d.audio_test, d.images_test, d.trials, device, cfg.train.precision)
    with atomic_path(path) as tmp:
        ev.scored.to_csv(tmp, index=False)
    return ev.scored


def backfill_untrained(root: str | None = None, progress: bool = True) -> int:
    """`score_untrained` for every complete run under `root` that lacks its untrained trials (runs trained
    before they were kept); each data config is prepared once. Returns how many runs were scored."""
    import glob

    done = sorted(glob.glob(os.path.join(root or paths.runs_root(), "*", runs.COMPLETE)))
    missing = [
        os.path.dirname(p) for p in done if not os.path.exists(os.path.join(os.path.dirname(p), runs.UNTRAINED_TRIALS))
    ]
    loaded: dict[str, StudyData] = {}
    for run_dir in tqdm(missing, desc="untrained baselines", disable=not progress or not missing):
        data_cfg = recipe.load_config(run_dir).data
        key = data_cfg.digest()
        if key not in loaded:
            loaded[key] = prepare(data_cfg, progress=False)
        score_untrained(run_dir, loaded[key])
    return len(missing)


def save_embeddings(path: str, ev: Evaluation, d: RunData) -> None:
    """The analysis subset's audio embeddings and every test picture's, with their labels."""
    subset, audio_test, images_test = d.analysis, d.audio_test, d.images_test
    with atomic_path(path) as tmp:
        np.savez(
            tmp,
            audio_id=audio_test.ids[subset],
            audio_emb=ev.audio_emb[subset],
            audio_concept=audio_test.concept[subset],
            audio_lang=audio_test.lang[subset],
            image_id=images_test.ids,
            image_emb=ev.image_emb,
            image_concept=images_test.concept,
        )


def save_checkpoint(run_dir: str, tr: Training, epoch: int, best: dict) -> None:
    """Everything a resumed run needs to continue after `epoch`."""
    state = {
        "model": tr.model.state_dict(),
        "opt": tr.opt.state_dict(),
        "sched": tr.sched.state_dict(),
        "epoch": epoch,
        "best": best,
    }
    with atomic_path(os.path.join(run_dir, "last.pt")) as tmp:
        torch.save(state, tmp)


def trials_count(run_dir: str) -> int:
    """The number of scored trials the reported epoch wrote (`done.json` records it: a cut file is caught)."""
    return len(pd.read_csv(os.path.join(run_dir, "trials.csv"), usecols=["correct"]))


def finish(run_dir: str, model: VGSModel, metrics: list[dict], best: dict, seconds: float) -> None:
    """`done.json`, written last: the best epoch's accuracies and the run's size and cost."""
    best_row = next(m for m in metrics if m["epoch"] == best["epoch"])
    write_json(
        os.path.join(run_dir, runs.COMPLETE),
        {
            "best_epoch": best["epoch"],
            "best_val_loss": best["val_loss"],
            **{k: v for k, v in best_row.items() if k[:3] in ("ff_", "nf_", "nn_", "fn_") or k[:7] == "val_ff_"},
            "parameters": count_parameters(model),
            "steps": sum(m.get("steps", 0) for m in metrics),
            "n_trials": trials_count(run_dir),
            "seconds_this_session": round(seconds, 1),
        },
    )
