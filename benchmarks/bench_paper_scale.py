"""The paper's scale on this machine: a synthetic corpus with the paper's shapes (about 18,000 English training
tokens of 768-d WavLM frames at 50 Hz, thousands of training pictures of 64 x 2048 DINO tokens) through the
training pools, `paper`-preset steps and the scoring of the test trials. Prints memory and seconds per step,
epoch and run; `--out` writes them as CSV for the "Real corpora" chapter.

    python benchmarks/bench_paper_scale.py [--tokens 18000] [--images 3000] [--steps 6] [--device cpu|cuda]
    python benchmarks/bench_paper_scale.py --out analysis/paper-scale.csv

No audio or picture is made: the features are random with the real shapes, which is all a step's cost
depends on (the frozen encoders' own cost is the feature extraction, timed separately by the encoders).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd
import torch

from vgslib import recipe, runs
from vgslib.atomic import write_text
from vgslib.encoders.features import Features
from vgslib.model.towers import VGSModel
from vgslib.sources import concepts
from vgslib.training import loop as T
from vgslib.training.groups import FlatPool, Pool, sample_groups

FRAMES_PER_SECOND = 50  # WavLM's frame rate


def synthetic(n: int, lengths: np.ndarray, dim: int, rng: np.random.Generator) -> Features:
    """`n` items of the given token counts, random float16 features of `dim`."""
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = rng.standard_normal((int(offsets[-1]), dim), dtype=np.float32).astype(np.float16)
    return Features(ids=np.array([f"x{i}" for i in range(n)]), tokens=tokens, offsets=offsets)


def rss_gb() -> float:
    """Peak resident memory of this process so far, in GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=18_000, help="English training tokens (the paper: ~18k)")
    parser.add_argument("--images", type=int, default=3_000, help="training pictures")
    parser.add_argument("--test-tokens", type=int, default=2_000)
    parser.add_argument("--steps", type=int, default=6, help="timed training steps (after 2 warm-up steps)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    parser.add_argument("--flat", action="store_true", help="unpadded float16 pools (as VGSLIB_FLAT_POOLS=1 trains)")
    parser.add_argument("--out", default="", help="write the figures to this CSV")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device, rng = torch.device(args.device), np.random.default_rng(0)
    cfg = recipe.make_config("paper", {"train": {"languages": ["en"]}})
    familiar = np.array(concepts.FAMILIAR_NAMES)
    row = {"device": args.device, "threads": torch.get_num_threads(), "tokens": args.tokens, "images": args.images,
           "pools": "flat" if args.flat else "padded"}  # fmt: skip
    kind = FlatPool if args.flat else Pool

    start = time.perf_counter()
    word_frames = rng.integers(int(0.25 * FRAMES_PER_SECOND), int(1.2 * FRAMES_PER_SECOND), args.tokens)
    audio_f = synthetic(args.tokens, word_frames, 768, rng)
    image_f = synthetic(args.images, np.full(args.images, 64), 2048, rng)
    row["features GB (float16, on disk)"] = (audio_f.tokens.nbytes + image_f.tokens.nbytes) / 1e9
    audio = kind.from_features([(audio_f, familiar[np.arange(args.tokens) % 13], "en")])
    images = kind.from_features([(image_f, familiar[np.arange(args.images) % 13], "")])
    del audio_f, image_f
    row["pools s"] = time.perf_counter() - start
    row["pools GB"] = sum(p.flat.nbytes if args.flat else p.tokens.nbytes for p in (audio, images)) / 1e9

    torch.manual_seed(0)
    model = VGSModel(cfg.model, 768, 2048).to(device)
    opt = T.optimizer(model, cfg.train) if device.type == "cpu" else torch.optim.Adam(model.parameters(), lr=2e-4)
    t = cfg.train
    times = []
    for k in range(2 + args.steps):
        g = sample_groups(rng.permutation(len(audio))[: t.batch_groups], audio, images, rng, t.num_negatives)
        if device.type == "cuda":
            torch.cuda.synchronize()
        s = time.perf_counter()
        with T.autocast(device, t.precision):
            loss = T.group_loss(model, g, audio, images, device)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if k >= 2:
            times.append(time.perf_counter() - s)
    per_step = float(np.median(times))
    steps = -(-args.tokens // t.batch_groups)
    row |= {"s/step": per_step, "steps/epoch (EN)": steps, "s/epoch (EN)": per_step * steps,
            "h/run (EN, training)": per_step * steps * t.epochs / 3600,
            "h/run (EN+FR, training; ~2x the steps)": 2 * per_step * steps * t.epochs / 3600}  # fmt: skip

    s = time.perf_counter()
    from vgslib.training.evaluate import embed_pool

    test = audio.subset(np.arange(len(audio)) < args.test_tokens)
    embed_pool(model, test, device, t.precision, audio=True)
    embed_pool(model, images.subset(np.arange(len(images)) < 500), device, t.precision, audio=False)
    row["s to embed the test pools (per evaluation)"] = time.perf_counter() - s
    row["peak RSS GB"] = rss_gb()
    if device.type == "cuda":
        row["peak GPU GB"] = torch.cuda.max_memory_allocated() / 1e9
    row["commit"] = runs.git_commit()["commit"][:10]
    for k, v in row.items():
        print(f"{k:45s} {v:.3g}" if isinstance(v, float) else f"{k:45s} {v}")
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        write_text(args.out, pd.DataFrame([row]).to_csv(index=False))


if __name__ == "__main__":
    main()
