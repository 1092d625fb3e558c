"""Training cost of each preset on the miniature: seconds per step, per epoch and per run, the model's FLOPs
per step (analytic), and the achieved FLOP/s beside this machine's matmul peak measured in the same run.

    python benchmarks/bench_train.py [--presets laptop paper smoke] [--steps 8] [--threads 1]
Uses the prepared miniature features (run `make prepare` first).
"""

import argparse
import time

import numpy as np
import torch

from vgslib import data, experiment, presets
from vgslib import train as T
from vgslib.groups import sample_groups
from vgslib.model import VGSModel, flops_per_item


def matmul_peak(dtype: torch.dtype, n: int = 2048, repeats: int = 10, trials: int = 5) -> float:
    """The best of `trials` timings of `repeats` n x n matmuls: a peak, not an average under other load."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    best = float("inf")
    for _ in range(trials):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 * repeats / best


def step_flops(model_cfg, groups, audio, images) -> float:
    """Analytic matmul FLOPs of one step: forward of every unique item, backward ~2x forward."""
    ua = np.unique(np.concatenate([groups.anchor[:, None], groups.neg_audio], 1))
    ui = np.unique(np.concatenate([groups.positive[:, None], groups.neg_images], 1))
    w, e = model_cfg.width, model_cfg.embed_dim
    fa = sum(flops_per_item(audio.tokens.shape[-1], w, e, int(n)) for n in audio.lengths[ua])
    fi = sum(flops_per_item(images.tokens.shape[-1], w, e, int(n)) for n in images.lengths[ui])
    return 3.0 * (fa + fi)


def bench(preset: str, steps: int, study, warmup: int = 20) -> dict:
    cfg = presets.make_config(preset, {"train": {"languages": ["en"]}})
    t = cfg.train
    p = t.precision
    audio, images = experiment._pool(study, "train", ["en"], True, p), experiment._pool(study, "train", [""], True, p)
    torch.manual_seed(0)
    model = VGSModel(cfg.model, audio.tokens.shape[-1], images.tokens.shape[-1])
    opt = torch.optim.Adam(model.parameters(), lr=t.lr)
    rng = np.random.default_rng(0)
    device = torch.device("cpu")
    times, flops = [], []
    # Warm-up steps first: a CPU's bf16 matmuls compile a kernel per new shape, as a run's first epoch does.
    for step in range(steps + warmup):
        g = sample_groups(rng.permutation(len(audio))[: t.batch_groups], audio, images, rng, t.num_negatives)
        start = time.perf_counter()
        with T.autocast(device, t.precision):
            loss = T.group_loss(model, g, audio, images, device)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step >= warmup:
            times.append(time.perf_counter() - start)
            flops.append(step_flops(cfg.model, g, audio, images))
    per_step = float(np.mean(times))
    steps_per_epoch = -(-len(audio) // t.batch_groups)
    return {
        "preset": preset,
        "size": cfg.model.size,
        "precision": t.precision,
        "s/step": per_step,
        "s/epoch (EN)": per_step * steps_per_epoch,
        "s/run (EN, training only)": per_step * steps_per_epoch * t.epochs,
        # a bilingual epoch covers both languages' anchors: twice the steps
        "Table 1 grid (30 runs, training only) core-min": per_step * steps_per_epoch * t.epochs * 5 * (3 + 3 * 2) / 60,
        "GFLOP/step": np.mean(flops) / 1e9,
        "GFLOP/s": np.mean(flops) / per_step / 1e9,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presets", nargs="+", default=["smoke", "laptop", "paper"])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    study = data.prepare(data.DataConfig(), progress=False)
    peaks = {"fp32": matmul_peak(torch.float32) / 1e9, "bf16": matmul_peak(torch.bfloat16) / 1e9}
    print(
        f"threads {args.threads}; measured matmul peak: fp32 {peaks['fp32']:.0f} GFLOP/s, "
        f"bf16 {peaks['bf16']:.0f} GFLOP/s"
    )
    for preset in args.presets:
        r = bench(preset, args.steps, study)
        r["% of peak"] = 100 * r["GFLOP/s"] / peaks[r["precision"]]
        print("  ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()))
