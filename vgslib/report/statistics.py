"""The statistics appendix (`book/statistics.md`): the estimators' calibration on simulated studies, the sampled
GLMM's checks, and its comparison with lme4."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from vgslib import paths
from vgslib.report.pages import NAN, read_json

CALIBRATION = os.path.join(paths.REPO_ROOT, "analysis", "calibration.csv")  # committed benchmark output


CALIBRATION_TARGETS = {"coverage": (0.93, 0.97), "false_positive_rate": 0.06}  # the statistics issue's targets


def calibration() -> tuple[pd.DataFrame, dict]:
    """The committed calibration benchmark (`benchmarks/bench_calibration.py`) and the appendix's numbers
    about it: how many studies, at which commit, and how each estimator did against the targets (NaN, and a
    note saying how to make it, where the file is missing)."""
    low, high = CALIBRATION_TARGETS["coverage"]
    numbers = {"cal_cov_low": 100 * low, "cal_cov_high": 100 * high,
               "cal_fpr_max": 100 * CALIBRATION_TARGETS["false_positive_rate"]}  # fmt: skip
    if not os.path.exists(CALIBRATION):
        note = f"*No calibration yet: `python benchmarks/bench_calibration.py --out {CALIBRATION}` makes it.*"
        keys = ("cal_studies", "cal_scenarios", "cal_glmm_cov_min", "cal_glmm_cov_max", "cal_glmm_fpr_max",
                "cal_gee_fpr_max", "cal_laplace_fpr_max", "cal_effect", "cal_glmm_power", "cal_gee_power")  # fmt: skip
        return pd.DataFrame(), {**numbers, **dict.fromkeys(keys, NAN), "cal_commit": "(none)", "cal_note": note}
    table = pd.read_csv(CALIBRATION)
    table = table.assign(coverage_ok=table.coverage.between(low, high))
    null = table[table.effect == 0]

    def worst_rate(estimator: str) -> float:
        rates = null[null.estimator == estimator]["rate_p_below_0.05"]
        return 100 * float(rates.max()) if len(rates) else NAN

    effects = table[table.effect != 0]
    smallest = effects.effect.abs().min() if len(effects) else NAN

    def power(estimator: str) -> float:
        rows = effects[(effects.estimator == estimator) & (effects.effect.abs() == smallest)]
        return 100 * float(rows["rate_p_below_0.05"].iloc[0]) if len(rows) else NAN

    glmm = table[table.estimator == "glmm"]
    return table, {
        **numbers,
        # Studies per scenario and estimator: one number, or the range where estimators ran different counts
        "cal_studies": "–".join(
            dict.fromkeys(str(n) for n in sorted({int(table.studies.min()), int(table.studies.max())}))
        ),
        "cal_commit": ", ".join(sorted(set(table.commit.astype(str)))),
        "cal_scenarios": int(table.scenario.nunique()),
        "cal_glmm_cov_min": 100 * float(glmm.coverage.min()) if len(glmm) else NAN,
        "cal_glmm_cov_max": 100 * float(glmm.coverage.max()) if len(glmm) else NAN,
        "cal_glmm_fpr_max": worst_rate("glmm"),
        "cal_gee_fpr_max": worst_rate("gee"),
        "cal_laplace_fpr_max": worst_rate("laplace"),
        "cal_effect": -float(smallest),
        "cal_glmm_power": power("glmm"),
        "cal_gee_power": power("gee"),
        "cal_note": "",
    }


def paired_calibration(table: pd.DataFrame) -> str:
    """The training effect's paired GLMM (`glmm.paired_contrast`) on simulated studies of its own design, in
    words; how to calibrate it where the committed benchmark has no rows for it."""
    rows = table[table.estimator == "glmm-paired"] if len(table) else table
    if rows.empty:
        return (
            "*The training effect's paired GLMM (`vgslib.results.glmm.paired_contrast`) has no calibration rows "
            f"yet: `python benchmarks/bench_calibration.py --estimators glmm-paired --out {CALIBRATION}`.*"
        )
    null, effect = rows[rows.effect == 0], rows[rows.effect != 0]
    pct = lambda x: f"{100 * x:.1f} %"  # noqa: E731
    counts = sorted(set(rows.studies.astype(int)))
    studies = (
        f"{counts[0]} studies per scenario"
        if len(counts) == 1
        else ", ".join(
            f"{int(n)} studies {'without an effect' if e == 0 else f'at {e:+.1f}'}"
            for n, e in zip(rows.studies, rows.effect)
        )  # fmt: skip
    )
    parts = [
        "The training effect's paired GLMM (`vgslib.results.glmm.paired_contrast`) was calibrated on studies of "
        "its own design: the same 5 runs untrained and trained, the untrained (run, word) spread four times the "
        f"trained one, as on the laptop runs ({studies}). Its intervals covered the truth in "
        f"{pct(rows.coverage.min())}–{pct(rows.coverage.max())} of them"
    ]
    if len(null):
        parts.append(f"without an effect it reported p < 0.05 in {pct(null['rate_p_below_0.05'].max())}")
    for _, r in effect.iterrows():
        parts.append(f"at a log odds ratio of {r.effect:+.1f} it found the effect in {pct(r['rate_p_below_0.05'])}")
    return "; ".join(parts) + "."


def statistics_numbers(results: dict) -> dict:
    """The appendix's numbers: the analysis's settings and its sampler checks."""
    from vgslib.results import glmm

    checks = sampler_checks(results)
    return {
        "preset": results["summary"]["preset"],
        "seconds": float(results["summary"].get("seconds", float("nan"))),
        "chains": glmm.CHAINS,
        "tune": glmm.TUNE,
        "draws": glmm.DRAWS,
        "rhat_max": glmm.RHAT_MAX,
        "ess_min": glmm.ESS_MIN,
        "n_fits": len(checks),
        "worst_rhat": float(checks["R-hat"].max()) if len(checks) else float("nan"),
        "worst_ess": float(checks["bulk ESS"].min()) if len(checks) else float("nan"),
        "n_failed": int((~checks["passed"]).sum()) if len(checks) else 0,
    }


def sampler_checks(results: dict) -> pd.DataFrame:
    """Every sampled fit of the analysis with its R-hat, bulk and tail ESS, divergences, the target acceptance it
    ended with and whether it passed (`glmm.passes`; a fit that did not tested nothing)."""
    parts = []
    for name, label in (("chance", "vs chance"), ("first_chance", "vs chance (seed 0)"), ("contrasts", "contrast")):
        table = results[name]
        if "rhat" not in table or table.empty:
            continue
        sampled = table[table.rhat.notna()]
        what = (
            sampled.condition_label + " on " + sampled.lang.str.upper()
            if "condition_label" in sampled
            else sampled.condition + " vs " + sampled.reference + " on " + sampled.lang.str.upper()
            + " (" + sampled.test.str.upper() + ")"
        )  # fmt: skip
        parts.append(
            pd.DataFrame(
                {
                    "fit": label,
                    "what": what,
                    "R-hat": sampled.rhat,
                    "bulk ESS": sampled.ess_bulk,
                    "tail ESS": sampled.get("ess_tail", np.nan),
                    "divergences": sampled.divergences,
                    "target acceptance": sampled.get("target_accept", np.nan),
                    "passed": sampled.diagnostics_ok.astype(bool),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def lme4_comparison(preset: str) -> tuple[pd.DataFrame, str]:
    """The comparison with lme4 that the analysis notebook made for `preset`'s runs, and a sentence saying what
    it compares (or, without it, how to make it)."""
    from vgslib.results.analysis import LME4

    folder = paths.results_dir(preset)
    if not os.path.exists(os.path.join(folder, LME4 + ".csv")):
        return pd.DataFrame(), (
            "*No comparison for these runs: R with lme4 was not found when the statistics were computed. With R "
            "and lme4 installed (`install.packages('lme4')`), `python -m vgslib compare-lme4 results/"
            f"{preset}` (or `make book` again) fits the same models with lme4 and fills this section.*"
        )
    table = pd.read_csv(os.path.join(folder, LME4 + ".csv"))
    record = read_json(os.path.join(folder, LME4 + ".json"))
    note = (
        f"Made from the same {record['runs']} runs of the `{record['preset']}` preset as every other page of this "
        f"book (lme4 {record['lme4']}). Across the {len(table)} estimates the largest difference between the two "
        f"point estimates is {record['max_abs_difference']:.2f} on the log odds scale; lme4's intervals are on "
        f"average {record['width_ratio']:.2f} times as wide as ours."
    )
    return table, note
