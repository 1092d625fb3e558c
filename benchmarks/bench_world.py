"""How long the miniature world takes to build (target: under 2 minutes for the default on 2 cores).

    python benchmarks/bench_world.py [--workers 2]
Builds into a temporary folder (nothing cached is reused) and prints seconds per stage.
"""

import argparse
import tempfile
import time

from vgslib.sources import miniature

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.time()
        m = miniature.build(miniature.WorldConfig(), f"{tmp}/world", progress=False, num_workers=args.workers)
        seconds = time.time() - start
    print(
        f"miniature world: {len(m.audio)} spoken tokens, {len(m.images)} pictures, {args.workers} workers: "
        f"{seconds:.1f} s (target < 120 s)"
    )
