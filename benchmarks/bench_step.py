"""The cost of a training step by sampler of negatives and precision, on this machine's CPU, one thread.

For each condition (monolingual, bilingual, bilingual with links), each sampler of negatives (`pool`, the
paper's; `batch`, the step's own items) and each precision (fp32; bf16 autocast), trains `--steps` steps of the
`laptop` recipe on the prepared miniature features after a few warm-up steps, exactly as a run steps (groups
drawn from the run's seed, the loss, Adam), and prints the median milliseconds per step and the unique items a
step embeds. Also says whether the CPU has bf16 matrix instructions (without them bf16 is emulated).

    python benchmarks/bench_step.py [--steps 30] [--out analysis/step-cost.csv]
Needs `make prepare` first.
"""

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd
import torch

from vgslib import paths, recipe
from vgslib.atomic import write_text
from vgslib.encoders.prepare import load_prepared
from vgslib.model.towers import VGSModel
from vgslib.training import loop
from vgslib.training.experiment import feature_pool

CONDITIONS = {"monolingual (en)": (["en"], False), "bilingual (en+fr)": (["en", "fr"], False),
              "bilingual + links (en+fr)": (["en", "fr"], True)}  # fmt: skip


def cpu_bf16() -> str:
    """The bf16 matrix instructions this CPU offers ("" if none: bf16 is then emulated)."""
    try:
        flags = open("/proc/cpuinfo").read().split()
    except OSError:
        return ""
    return " ".join(f for f in ("avx512_bf16", "amx_bf16") if f in flags)


def _unique(fields) -> int:
    return len(np.unique(np.concatenate([f.reshape(-1) for f in fields if f is not None])))


def time_steps(study, languages, links, negatives, precision, steps, warmup=5) -> dict:
    overrides = {"train": {"languages": languages, "links": links, "negatives": negatives, "precision": precision}}
    t = recipe.make_config("laptop", overrides).train
    audio = feature_pool(study, "train", t.languages, True, precision)
    images = feature_pool(study, "train", [""], True, precision)
    rng = np.random.default_rng([t.seed, 1])
    anchors = rng.permutation(len(audio))[: t.batch_groups * (steps + warmup)]
    groups = loop.split_batches(loop.draw_groups(anchors, audio, images, rng, t), t.batch_groups)
    torch.manual_seed(0)
    model = VGSModel(recipe.make_config("laptop").model, audio.dim, images.dim)
    opt = loop.optimizer(model, t)
    model.train()
    times, items = [], []
    device = torch.device("cpu")
    for i, g in enumerate(groups):
        start = time.perf_counter()
        with loop.autocast(device, precision):
            loss = loop.group_loss(model, g, audio, images, device)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
            words = [g.anchor, g.neg_audio, g.partner, g.partner_neg_audio]
            pictures = [g.positive, g.neg_images, g.partner_neg_images]
            items.append(sum(_unique(fields) for fields in (words, pictures)))
    return {"ms_per_step": 1000 * float(np.median(times)), "items_per_step": float(np.mean(items))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--out", default=os.path.join(paths.REPO_ROOT, "analysis", "step-cost.csv"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    study = load_prepared()
    bf16 = cpu_bf16()
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, one thread; "
          f"bf16 matrix instructions: {bf16 or 'none (bf16 is emulated)'}")  # fmt: skip
    rows = []
    for name, (languages, links) in CONDITIONS.items():
        for negatives in ("pool", "batch"):
            for precision in ("fp32", "bf16"):
                r = time_steps(study, languages, links, negatives, precision, args.steps)
                rows.append({"condition": name, "negatives": negatives, "precision": precision, **r,
                             "cpu_bf16": bf16 or "none", "torch": torch.__version__})  # fmt: skip
                print(
                    f"  {name:26s} {negatives:5s} {precision}: {r['ms_per_step']:7.1f} ms/step, "
                    f"{r['items_per_step']:6.0f} items embedded per step",
                    flush=True,
                )
    # The number of length buckets a step's unique words are embedded in (`loop.BUCKETS`), at the presets' shapes.
    default = loop.BUCKETS, loop.MIN_BUCKETED
    loop.MIN_BUCKETED = 0  # bucketed whatever the number of items
    for buckets in (1, 2, 4, 8):
        loop.BUCKETS = buckets
        r = time_steps(study, ["en"], False, "batch", "fp32", args.steps)
        rows.append({"condition": f"monolingual (en), {buckets} length buckets", "negatives": "batch",
                     "precision": "fp32", **r, "cpu_bf16": bf16 or "none", "torch": torch.__version__})  # fmt: skip
        print(f"  {buckets} length buckets (batch, fp32): {r['ms_per_step']:7.1f} ms/step", flush=True)
    loop.BUCKETS, loop.MIN_BUCKETED = default
    table = pd.DataFrame(rows)
    write_text(args.out, table.to_csv(index=False))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
