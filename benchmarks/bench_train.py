"""Training cost of each preset on the miniature: seconds per step, per epoch and per run, the model's FLOPs
per step (analytic), and the achieved FLOP/s beside this machine's matmul peaks measured in the same run.

Two FLOP counts: "executed" counts the matrix products the CLS-only layer really computes; "model" counts
those of the reference architecture (torch's encoder layer at every position), the numerator of the usual
model FLOPs utilisation (MFU), which does not shrink when an implementation skips work it does not need.

    python benchmarks/bench_train.py [--presets laptop paper smoke] [--steps 16] [--threads 1]
Uses the prepared miniature features (run `make prepare` first).
"""

import argparse
import time

import numpy as np
import torch

from vgslib import recipe
from vgslib.encoders.prepare import load_prepared
from vgslib.model.accounting import flops_per_item, reference_flops_per_item
from vgslib.model.towers import VGSModel
from vgslib.training import loop as T
from vgslib.training.experiment import feature_pool
from vgslib.training.groups import sample_groups


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


def step_flops(model_cfg, groups, audio, images, per_item=flops_per_item) -> float:
    """Analytic matmul FLOPs of one step: forward of every unique item, backward ~2x forward."""
    ua = np.unique(np.concatenate([groups.anchor[:, None], groups.neg_audio], 1))
    ui = np.unique(np.concatenate([groups.positive[:, None], groups.neg_images], 1))
    w, e = model_cfg.width, model_cfg.embed_dim
    fa = sum(per_item(audio.tokens.shape[-1], w, e, int(n)) for n in audio.lengths[ua])
    fi = sum(per_item(images.tokens.shape[-1], w, e, int(n)) for n in images.lengths[ui])
    return 3.0 * (fa + fi)


class Trainer:
    """One preset's model, optimiser and English pools, stepping as a run does and timing its steps."""

    def __init__(self, preset: str, study):
        self.preset = preset
        self.cfg = recipe.make_config(preset, {"train": {"languages": ["en"]}})
        p = self.cfg.train.precision
        self.audio = feature_pool(study, "train", ["en"], True, p)
        self.images = feature_pool(study, "train", [""], True, p)
        torch.manual_seed(0)
        self.model = VGSModel(self.cfg.model, self.audio.tokens.shape[-1], self.images.tokens.shape[-1])
        self.opt = T.optimizer(self.model, self.cfg.train)  # the run's optimiser
        self.rng = np.random.default_rng(0)
        self.times, self.flops, self.model_flops = [], [], []

    def step(self, record: bool = True) -> None:
        t, device = self.cfg.train, torch.device("cpu")
        g = sample_groups(
            self.rng.permutation(len(self.audio))[: t.batch_groups], self.audio, self.images, self.rng, t.num_negatives
        )
        start = time.perf_counter()
        with T.autocast(device, t.precision):
            loss = T.group_loss(self.model, g, self.audio, self.images, device)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        if record:
            self.times.append(time.perf_counter() - start)
            self.flops.append(step_flops(self.cfg.model, g, self.audio, self.images))
            self.model_flops.append(step_flops(self.cfg.model, g, self.audio, self.images, reference_flops_per_item))

    def report(self) -> dict:
        t = self.cfg.train
        per_step = float(np.median(self.times))
        steps_per_epoch = -(-len(self.audio) // t.batch_groups)
        per_run = per_step * steps_per_epoch * t.epochs
        return {
            "preset": self.preset,
            "size": self.cfg.model.size,
            "precision": t.precision,
            "s/step": per_step,
            "s/epoch (EN)": per_step * steps_per_epoch,
            "s/run (EN, training only)": per_run,
            # 5 seeds of 3 monolingual and 3 bilingual runs; a bilingual epoch covers both languages: twice the steps
            "Table 1 grid (30 runs, training only) core-min": per_run * 5 * (3 + 3 * 2) / 60,
            "executed GFLOP/step": np.mean(self.flops) / 1e9,
            "executed GFLOP/s": np.mean(self.flops) / per_step / 1e9,
            "model GFLOP/s": np.mean(self.model_flops) / per_step / 1e9,
        }


def bench(names: list[str], steps: int, study, warmup: int = 20, rounds: int = 4) -> list[dict]:
    """Median step time of every preset, their steps timed in alternating rounds: a machine whose speed drifts
    (a busy neighbour, a clock change) slows them all alike instead of whichever happened to run then."""
    trainers = [Trainer(name, study) for name in names]
    for trainer in trainers:  # a CPU's bf16 matmuls compile a kernel per new shape, as a run's first epoch does
        for _ in range(warmup):
            trainer.step(record=False)
    for _ in range(rounds):
        for trainer in trainers:
            for _ in range(-(-steps // rounds)):
                trainer.step()
    return [trainer.report() for trainer in trainers]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presets", nargs="+", default=["smoke", "laptop", "paper"])
    parser.add_argument("--steps", type=int, default=16, help="timed steps per preset")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    study = load_prepared()
    peaks = {"fp32": matmul_peak(torch.float32) / 1e9, "bf16": matmul_peak(torch.bfloat16) / 1e9}
    print(
        f"threads {args.threads}; measured matmul peak: fp32 {peaks['fp32']:.0f} GFLOP/s, "
        f"bf16 {peaks['bf16']:.0f} GFLOP/s"
    )
    for r in bench(args.presets, args.steps, study):
        peak = peaks[r["precision"]]
        r[f"executed % of {r['precision']} peak"] = 100 * r["executed GFLOP/s"] / peak
        r[f"MFU % of {r['precision']} peak"] = 100 * r["model GFLOP/s"] / peak
        if r["precision"] != "fp32":
            r["executed % of fp32 peak"] = 100 * r["executed GFLOP/s"] / peaks["fp32"]
        print("  ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()))
