"""The real corpora chapter (`book/real-corpora.md`): memory and time at the paper's scale (a committed
benchmark's output)."""

from __future__ import annotations

import os

import pandas as pd

from vgslib import paths
from vgslib.report.pages import NAN

PAPER_SCALE = os.path.join(paths.REPO_ROOT, "analysis", "paper-scale.csv")  # committed benchmark output


# glue name -> the benchmark's column (of its row with padded pools, the training default)
SCALE_NUMBERS = {"scale_tokens": "tokens", "scale_images": "images", "scale_step": "s/step",
                 "scale_epoch": "s/epoch (EN)", "scale_run_h": "h/run (EN, training)",
                 "scale_bi_run_h": "h/run (EN+FR, training; ~2x the steps)", "scale_rss": "peak RSS GB",
                 "scale_pools": "pools GB"}  # fmt: skip


def paper_scale() -> tuple[pd.DataFrame, dict]:
    """The committed paper-scale benchmark (`benchmarks/bench_paper_scale.py`, a row with padded and one with
    flat pools) as a table of what it measured and the chapter's numbers (NaN, and a note saying how to make
    it, where the file is missing)."""
    flat_keys = ("scale_flat_pools", "scale_flat_rss", "scale_flat_step")
    if not os.path.exists(PAPER_SCALE):
        note = f"*Not measured yet: `python benchmarks/bench_paper_scale.py --out {PAPER_SCALE}` measures it.*"
        missing = dict.fromkeys((*SCALE_NUMBERS, *flat_keys), NAN)
        return pd.DataFrame(), {**missing, "scale_note": note, "scale_device": "none"}
    table = pd.read_csv(PAPER_SCALE)
    rows = table.set_index("pools")
    row = rows.loc["padded"]
    numbers = {name: float(row[key]) for name, key in SCALE_NUMBERS.items()}
    flat = rows.loc["flat"] if "flat" in rows.index else pd.Series(dtype=float)
    numbers |= dict(zip(flat_keys, (float(flat.get(k, NAN)) for k in ("pools GB", "peak RSS GB", "s/step"))))
    numbers |= {"scale_note": "", "scale_device": f"{row.device}, {int(row.threads)} thread(s), commit {row.commit}"}
    shown = table.drop(columns=["commit"]).set_index("pools").T.map(lambda v: f"{v:.3g}" if isinstance(v, float) else v)
    shown = shown.reset_index()
    shown.columns.name = None
    return shown.rename(columns={"index": "measure"}), numbers
