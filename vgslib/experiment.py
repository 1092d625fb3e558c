"""Run one condition end to end: features -> training with per-epoch evaluation -> the run directory."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pandas as pd
import torch

from . import concepts, paths, runs, trials
from .config import stable_hash
from .data import StudyData, prepare
from .encoders import resolve_device
from .features import rows_key
from .groups import ConceptSampler, Pool, sample_groups
from .model import VGSModel, count_parameters
from .train import RunConfig, embed_pool, lr_lambda, optimizer, split_batches, train_epoch, validation_loss

VAL_SEED = 12345  # the frozen validation groups do not depend on the run's seed


def stored_trials(data: StudyData, seed: int) -> pd.DataFrame:
    """The trials of every language of the corpus, generated once per (test split, seed) and stored."""
    test = data.manifest.select("audio", "test")
    key = stable_hash([rows_key(test), rows_key(data.manifest.select("images", "test")), seed])
    path = os.path.join(paths.data_root(), "trials", f"trials-{key}.csv")
    if os.path.exists(path):
        return pd.read_csv(path)
    table = trials.generate(data.manifest, sorted(set(test.lang)), seed=seed)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = runs.partial_path(path)  # several runs may generate the same trials at once
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return table


def default_run_dir(cfg: RunConfig) -> str:
    """runs/<condition>-<preset>-seed<k>, e.g. runs/en+fr-links-sm-laptop-seed3."""
    return os.path.join(paths.runs_root(), f"{cfg.condition()}-{cfg.preset}-seed{cfg.train.seed}")


def _pool(data: StudyData, split: str, langs, familiar_only: bool, precision: str = "fp32") -> Pool:
    """The items of `split` (audio of `langs`, or images for lang ""), held in the training precision: bf16
    autocast would round each batch's inputs to bf16 anyway, so rounding once up front changes no number."""
    parts = []
    for lang in langs:
        f = data.audio[(split, lang)] if lang else data.images[split]
        labels = data.labels("audio" if lang else "image", split, lang or None).to_numpy()
        parts.append((f, labels, lang or ""))
    pool = Pool.from_features(parts, torch.bfloat16 if precision == "bf16" else torch.float32)
    return pool.subset(np.isin(pool.concept, concepts.FAMILIAR_NAMES)) if familiar_only else pool


def analysis_subset(pool: Pool, per_word: int, seed: int = 0) -> np.ndarray:
    """Indices of up to `per_word` test tokens per word and language (fixed seed)."""
    rng = np.random.default_rng(seed)
    keep = []
    for key in sorted(set(zip(pool.concept, pool.lang))):
        members = np.flatnonzero((pool.concept == key[0]) & (pool.lang == key[1]))
        keep.extend(np.sort(rng.choice(members, min(per_word, len(members)), replace=False)))
    return np.asarray(sorted(keep), dtype=np.int64)


def evaluate(model, audio_test: Pool, images_test: Pool, table: pd.DataFrame, device, precision: str):
    audio_emb = embed_pool(model, audio_test, device, precision, audio=True)
    image_emb = embed_pool(model, images_test, device, precision, audio=False)
    per_lang, index = {}, {}
    for lang in sorted(set(audio_test.lang)):
        rows = np.flatnonzero(audio_test.lang == lang)
        per_lang[lang] = audio_emb[rows]
        index[lang] = {i: k for k, i in enumerate(audio_test.ids[rows])}
    image_index = {i: k for k, i in enumerate(images_test.ids)}
    return trials.score(table, per_lang, image_emb, image_index, index), audio_emb, image_emb


def _save_best(run_dir, model, scored, audio_test, audio_emb, images_test, image_emb, subset):
    torch.save(model.state_dict(), os.path.join(run_dir, "best.pt.partial"))
    os.replace(os.path.join(run_dir, "best.pt.partial"), os.path.join(run_dir, "best.pt"))
    scored.to_csv(os.path.join(run_dir, "trials.csv.partial"), index=False)
    os.replace(os.path.join(run_dir, "trials.csv.partial"), os.path.join(run_dir, "trials.csv"))
    np.savez(
        os.path.join(run_dir, "embeddings.partial.npz"),
        audio_id=audio_test.ids[subset],
        audio_emb=audio_emb[subset],
        audio_concept=audio_test.concept[subset],
        audio_lang=audio_test.lang[subset],
        image_id=images_test.ids,
        image_emb=image_emb,
        image_concept=images_test.concept,
    )
    os.replace(os.path.join(run_dir, "embeddings.partial.npz"), os.path.join(run_dir, "embeddings.npz"))


def run(
    cfg: RunConfig,
    run_dir: str | None = None,
    data: StudyData | None = None,
    progress: bool = True,
    stop_after_epoch: int | None = None,
) -> str:
    """Train and evaluate one condition into `run_dir`; resume it if it was interrupted; skip it if done."""
    run_dir = run_dir or default_run_dir(cfg)
    os.makedirs(run_dir, exist_ok=True)
    config_path = os.path.join(run_dir, "config.json")
    record = {**cfg.to_dict(), "name": cfg.condition(), "digest": cfg.digest()}
    if os.path.exists(config_path):
        with open(config_path) as f:
            if json.load(f).get("digest") != cfg.digest():
                raise ValueError(f"{run_dir} holds a run of another config; choose another directory")
    runs.write_json(config_path, record)
    if runs.is_complete(run_dir):
        return run_dir
    t = cfg.train
    if t.threads:
        torch.set_num_threads(t.threads)
    device = resolve_device(t.device)
    runs.write_json(os.path.join(run_dir, "env.json"), runs.environment(str(device)))
    data = data or prepare(cfg.data, progress=progress)
    missing = [lang for lang in set(t.languages) | set(cfg.tested) if ("train", lang) not in data.audio]
    if missing:
        raise ValueError(f"the corpus has no audio for language(s) {missing}")

    p = t.precision
    audio, images = _pool(data, "train", t.languages, True, p), _pool(data, "train", [""], True, p)
    audio_val, images_val = _pool(data, "val", t.languages, True, p), _pool(data, "val", [""], True, p)
    audio_test, images_test = _pool(data, "test", cfg.tested, False, p), _pool(data, "test", [""], False, p)
    table = stored_trials(data, cfg.trial_seed)
    table = table[table.lang.isin(cfg.tested)].reset_index(drop=True)
    subset = analysis_subset(audio_test, cfg.analysis_tokens)
    samplers = (ConceptSampler(audio.concept), ConceptSampler(images.concept))
    val_groups = sample_groups(
        np.arange(len(audio_val)), audio_val, images_val, np.random.default_rng(VAL_SEED), t.num_negatives, t.links
    )
    val_batches = split_batches(val_groups, t.batch_groups)

    torch.manual_seed(t.seed)
    model = VGSModel(cfg.model, audio.tokens.shape[-1], images.tokens.shape[-1]).to(device)
    opt = optimizer(model, t)
    steps_per_epoch = -(-len(audio) * t.anchor_repeats // t.batch_groups)
    total, warmup = steps_per_epoch * t.epochs, int(round(steps_per_epoch * t.warmup_epochs))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_lambda(s, total, warmup, t.lr, t.min_lr))

    last_path = os.path.join(run_dir, "last.pt")
    start_epoch, best = 0, {"epoch": -1, "val_loss": float("inf")}
    metrics = []
    if os.path.exists(last_path):  # resume after the last completed epoch
        state = torch.load(last_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start_epoch, best = state["epoch"] + 1, state["best"]
        metrics = [m for m in runs.read_metrics(run_dir) if m["epoch"] <= state["epoch"]]
    begin = time.time()
    for epoch in range(start_epoch, t.epochs + 1):
        row = {"epoch": epoch}
        if epoch > 0:
            row.update(train_epoch(model, opt, sched, epoch, t, audio, images, device, run_dir, progress, samplers))
        row["lr"] = sched.get_last_lr()[0]
        row["val_loss"] = validation_loss(model, val_batches, audio_val, images_val, device, t.precision)
        scored, audio_emb, image_emb = evaluate(model, audio_test, images_test, table, device, t.precision)
        for r in trials.accuracy(scored).itertuples():
            row[f"{r.test}_{r.lang}"] = r.accuracy
        if row["val_loss"] < best["val_loss"]:
            best = {"epoch": epoch, "val_loss": row["val_loss"]}
            _save_best(run_dir, model, scored, audio_test, audio_emb, images_test, image_emb, subset)
        metrics.append(row)
        runs.write_metrics(run_dir, metrics)
        torch.save(
            {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "epoch": epoch,
                "best": best,
            },
            last_path + ".partial",
        )
        os.replace(last_path + ".partial", last_path)
        if progress:
            accs = " ".join(f"{k}={v:.3f}" for k, v in row.items() if k[:3] in ("ff_", "nf_"))
            print(f"epoch {epoch:2d}  val_loss {row['val_loss']:.4f}  {accs}", flush=True)
        if stop_after_epoch is not None and epoch >= stop_after_epoch and epoch < t.epochs:
            return run_dir  # simulated interruption (tests)
    best_row = next(m for m in metrics if m["epoch"] == best["epoch"])
    runs.write_json(
        os.path.join(run_dir, runs.COMPLETE),
        {
            "best_epoch": best["epoch"],
            "best_val_loss": best["val_loss"],
            **{k: v for k, v in best_row.items() if k[:3] in ("ff_", "nf_", "nn_", "fn_")},
            "parameters": count_parameters(model),
            "steps": sum(m.get("steps", 0) for m in metrics),
            "seconds_this_session": round(time.time() - begin, 1),
        },
    )
    return run_dir
