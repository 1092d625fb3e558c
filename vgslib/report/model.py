"""The model chapter (`book/model.md`): the laptop preset's schedule (a committed validation sweep and its
recheck) and the validation of the in-step sampler of negatives with its cost per step."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from vgslib import paths
from vgslib.report.pages import NAN

LAPTOP_SCHEDULE = os.path.join(paths.REPO_ROOT, "analysis", "laptop-preset.csv")  # committed validation sweep


LAPTOP_SCHEDULE_RECHECK = os.path.join(paths.REPO_ROOT, "analysis", "laptop-preset-recheck.csv")  # adopted recipe


def schedule_recheck_text(choice: pd.DataFrame, train) -> str:
    """What the rule says of the sweep made again under the adopted recipe, and what the preset does about it."""
    chosen = choice[choice.chosen]
    preset = choice[(choice.epochs == train.epochs) & (choice.lr == train.lr)]
    if len(chosen):
        pick = chosen.iloc[0]
        same = int(pick.epochs) == train.epochs and pick.lr == train.lr
        return (f"Under the adopted recipe the rule picks {int(pick.epochs)} epochs at {pick.lr:g}: "
                + ("the preset's schedule." if same else f"not the preset's ({train.epochs} epochs at {train.lr:g}); "
                   "the preset keeps the schedule of the sweep that chose it."))  # fmt: skip
    why = ""
    if len(preset):
        row = preset.iloc[0]
        why = (
            f" The preset's {train.epochs} epochs have their best epoch before the last in "
            f"{int(row.runs - row.best_is_last)} of {int(row.runs)} runs and come within 10 % of the lowest "
            f"validation loss in {int(row.close_to_lowest)} of {int(row.runs)}."
        )
    return ("**Under the adopted recipe no candidate passes the rule**, so it chooses nothing new: the preset keeps "
            f"the schedule chosen above ({train.epochs} epochs at {train.lr:g})." + why)  # fmt: skip


def schedule_numbers(choice: pd.DataFrame, train) -> dict:
    """The model chapter's numbers about the laptop schedule: the rule, what it picks, and what the preset's
    `train` config (a `recipe.TrainConfig`) uses."""
    from vgslib.results import tables

    chosen = choice[choice.chosen]
    if chosen.empty:
        raise ValueError(f"no candidate schedule in {LAPTOP_SCHEDULE} passes the rule: {tables.SCHEDULE_RULE}")
    pick = chosen.iloc[0]
    seven = choice[choice.epochs == 7]
    return {
        "schedule_rule": tables.SCHEDULE_RULE,
        "schedule_epochs": int(pick.epochs),
        "schedule_lr": f"{pick.lr:g}",
        "preset_epochs": train.epochs,
        "preset_lr": f"{train.lr:g}",
        "schedule_ratio_7": float(seven.mean_best_val_loss.min() / pick.mean_best_val_loss) if len(seven) else NAN,
        "schedule_last_7": int(seven.best_is_last.sum()),
        "schedule_runs_7": int(seven.runs.sum()),
    }


NEGATIVE_SAMPLER = os.path.join(paths.REPO_ROOT, "analysis", "sampler-check")  # committed validation (+ .csv)


STEP_COST = os.path.join(paths.REPO_ROOT, "analysis", "step-cost.csv")  # committed `benchmarks/bench_step.py` output


def negative_sampler() -> tuple[dict[str, pd.DataFrame], dict]:
    """The committed comparison of the two samplers of negatives (`analysis/sampler_check.py`): its tables
    (cells, findings, runs) and the model chapter's numbers (the rule, its verdict, the cost per step)."""
    from vgslib.results import negative_sampler as ns

    tables = {name: pd.read_csv(f"{NEGATIVE_SAMPLER}{suffix}.csv")
              for name, suffix in (("cells", ""), ("findings", "-findings"), ("runs", "-runs"))}  # fmt: skip
    cells, runs_ = tables["cells"], tables["runs"]
    verdict = ns.verdict(cells)
    steps = pd.read_csv(STEP_COST)
    steps = steps[steps.precision == "fp32"].set_index(["condition", "negatives"]).ms_per_step
    mono, bi = "monolingual (en)", "bilingual (en+fr)"
    nf = cells[cells.test == "nf"]
    return tables, {
        "negatives_device": ", ".join(sorted(set(runs_.device))),
        "negatives_ms_pool": float(steps[(mono, "pool")]),
        "negatives_ms_batch": float(steps[(mono, "batch")]),
        "negatives_ms_pool_bi": float(steps[(bi, "pool")]),
        "negatives_ms_batch_bi": float(steps[(bi, "batch")]),
        "negatives_speedup": float(steps[(mono, "pool")] / steps[(mono, "batch")]),
        "negatives_rule": ns.RULE,
        "negatives_verdict": verdict["reason"],
        "negatives_choice": verdict["sampler"],
        "negatives_runs": int(runs_.groupby("sampler").size().min()),
        "negatives_max_nf": float(nf.diff_points.abs().max()),
        "negatives_mean_nf": float(nf.diff_points.mean()),
    }


def negative_sampler_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The comparison per cell as the model chapter shows it: accuracies, the difference, the GLMM contrast."""
    effect = [
        "at the ceiling" if c else f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]"
        for c, m, lo, hi in zip(cells.ceiling.astype(bool), cells.log_odds_ratio, cells.low, cells.high)
    ]
    return pd.DataFrame({
        "cell": cells.train_langs + " on " + cells.lang.str.upper(),
        "test": cells.test.str.upper(),
        "pool": cells["pool"].map("{:.1%}".format),
        "batch": cells["batch"].map("{:.1%}".format),
        "Δ points": cells.diff_points.map("{:+.1f}".format),
        "log OR, batch vs pool": effect,
        "p (Holm)": cells.p_holm.map(lambda p: "" if pd.isna(p) else f"{p:.2f}"),
    })  # fmt: skip


def negative_sampler_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings under each sampler as one row per finding and cell, the two samplers side by side."""
    interval = findings.low.notna()
    shown = np.where(
        interval,
        findings.value.map("{:+.3f}".format) + " [" + findings.low.map("{:+.3f}".format) + ", "
        + findings.high.map("{:+.3f}".format) + "]",
        findings.value.map("{:.4f}".format),
    )  # fmt: skip
    chance = findings.finding.str.startswith("NF vs chance")
    shown = np.where(chance, (100 * findings.value).map("{:.1f} %".format) + " [" + (100 * findings.low).map(
        "{:.1f}".format) + ", " + (100 * findings.high).map("{:.1f}".format) + "]", shown)  # fmt: skip
    holm = findings.p_holm.map(lambda p: "" if pd.isna(p) else (" *" if p < 0.05 else ""))
    tests = findings.low.notna().to_numpy()
    table = findings.assign(shown=shown + holm)[tests].pivot_table(
        index=["finding", "cell"], columns="sampler", values="shown", aggfunc="first", sort=False
    )
    return table.reset_index()[["finding", "cell", "pool", "batch"]].rename_axis(columns=None)


def negative_sampler_geometry(findings: pd.DataFrame) -> pd.DataFrame:
    """The mechanism quantities' means per cell under each sampler, "pool → batch", a column per quantity."""
    geo = findings[findings.low.isna()]
    shown = geo.pivot_table(index=["cell", "finding"], columns="sampler", values="value", sort=False)
    text = shown["pool"].map("{:.3f}".format) + " → " + shown["batch"].map("{:.3f}".format)
    return text.unstack("finding").reset_index().rename_axis(columns=None)
