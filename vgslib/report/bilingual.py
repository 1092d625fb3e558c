"""The bilingual chapter (`book/bilingual.md`): is ME weaker in bilingual models? The analysis notebook's
contrasts (bilingual vs monolingual, vs 2x and links controls) as tables, counts and verdicts in words, and the
smallest effect the study could have detected."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vgslib.report.pages import MissingInput, pct
from vgslib.results import stats, study


def effect_text(m: float, low: float, high: float, converged: bool) -> str:
    if not np.isfinite(m):
        return "ceiling: no effect size"
    shown = f"{m:+.2f} [{low:+.2f}, {high:+.2f}]"
    return shown if converged else shown + " (did not converge: not tested)"


def contrast_table(table: pd.DataFrame):
    """A contrast table as the book shows it: accuracies in %, log odds ratios with intervals; a sampled fit that
    failed the convergence rule (`glmm.passes`) is marked as not tested."""
    converged = table.diagnostics_ok.fillna(True).astype(bool) if "diagnostics_ok" in table else [True] * len(table)
    out = table.assign(
        tested=table.lang.str.upper(),
        contrast=table.condition + " vs " + table.reference,
        accuracies=[f"{pct(c)} vs {pct(r)}" for c, r in zip(table.condition_accuracy, table.reference_accuracy)],
        effect=[
            effect_text(m, lo, hi, ok) for m, lo, hi, ok in zip(table.log_odds_ratio, table.low, table.high, converged)
        ],
    )
    columns = ["tested", "contrast", "accuracies", "estimator", "effect", "p_approx", "p_holm"]
    p = {"p_approx": "{:.2g}", "p_holm": "{:.2g}"}  # a cell at its ceiling has no p: "not tested", not "nan"
    return out[columns].style.hide(axis="index").format(p, na_rep="not tested")


def family_section(contrasts: pd.DataFrame, family: str) -> list:
    """What a control family's section shows: its NF contrasts and forest chart, or how to make its runs."""
    from IPython.display import Markdown

    from vgslib.report import charts

    part = contrasts[(contrasts.family == family) & (contrasts.test == "nf")] if len(contrasts) else contrasts
    if part.empty:
        make = "`make book FULL=1`" if family == "size" else "`make book` (not `QUICK=1`)"
        return [Markdown(f"*No runs of this control yet: {make} trains them.*")]
    return [
        Markdown(f"Contrasts: {study.FAMILIES[family]}. " + family_answer(part, family)),
        contrast_table(part),
        charts.forest_chart(part, f"ME (NF): {study.FAMILIES[family]}"),
    ]


def family_answer(part: pd.DataFrame, family: str) -> str:
    """A control family's NF contrasts in words (GLMM, Holm within the family): how many lie reliably above or
    below zero, and for the 2x control whether matching a monolingual model's exposure removes the bilingual
    difference (`exposure_verdict`)."""
    glmm = part[part.estimator.str.startswith("GLMM")]

    def count(rows: pd.DataFrame, what: str) -> str:
        return (f"{what}: reliably higher in {_reliable(rows, +1)} and reliably lower in {_reliable(rows, -1)} of "
                f"{len(rows)} contrasts")  # fmt: skip

    if family != "resample":
        return f"**Answer.** {count(glmm, 'NF of the first-named condition')} (GLMM, Holm)."
    twice = glmm[~glmm.reference.str.endswith(" 2x")]
    text = f"**Answer.** {count(twice, 'Seeing every word twice (2x vs 1x)')} (GLMM, Holm)."
    verdict = exposure_verdict(part)
    return text + (f" Bilingual vs 2x: {verdict}" if verdict else "")


def exposure_counts(contrasts: pd.DataFrame) -> dict:
    """Bilingual vs the 2x control of its language (the resample family's NF contrasts whose reference is a 2x
    model): how many there are, how many lie above zero, how many lie reliably above / below zero (Holm) by the
    GLMM and by the GEE, and the test languages of the GEE's reliable ones. Zeros without 2x runs."""
    rows = (
        contrasts
        if contrasts.empty
        else contrasts[
            (contrasts.family == "resample") & (contrasts.test == "nf") & contrasts.reference.str.endswith(" 2x")
        ]
    )
    if rows.empty:
        return {"twox_n": 0, "twox_pos": 0, "twox_sig": 0, "twox_neg_sig": 0, "twox_gee_n": 0, "twox_gee_sig": 0,
                "twox_gee_neg_sig": 0, "twox_gee_langs": ""}  # fmt: skip
    glmm, gee = (rows[rows.estimator.str.startswith(e)] for e in ("GLMM", "GEE"))
    gee_reliable = gee[_reliable_rows(gee, +1) | _reliable_rows(gee, -1)]
    return {
        "twox_n": len(glmm),
        "twox_pos": int((glmm.log_odds_ratio > 0).sum()),
        "twox_sig": _reliable(glmm, +1),
        "twox_neg_sig": _reliable(glmm, -1),
        "twox_gee_n": len(gee),
        "twox_gee_sig": _reliable(gee, +1),
        "twox_gee_neg_sig": _reliable(gee, -1),
        "twox_gee_langs": ", ".join(lang.upper() for lang in sorted(gee_reliable.lang.unique())),
    }


def exposure_verdict(contrasts: pd.DataFrame, brief: bool = False) -> str:
    """The study's one answer to "does exposure explain the bilingual difference?": the bilingual models against
    the 2x control (a monolingual model with the bilingual's exposure and schedule), counted by the primary
    estimator (GLMM: runs and test words random, Holm). Where the per-run GEE, which takes the test words as
    fixed, finds reliable differences the GLMM does not, the sentence says where and why the two differ. `brief`:
    the same verdict as a clause to follow "against the 2x control", for a chapter's opening answer. Empty without
    2x runs."""
    n = exposure_counts(contrasts)
    if not n["twox_n"]:
        return ""
    remains = n["twox_sig"] + n["twox_neg_sig"]
    per_run = n["twox_gee_sig"] + n["twox_gee_neg_sig"]
    if brief:
        counts = f"{n['twox_n']} contrasts, GLMM, Holm"
        if remains:
            return f"the bilingual difference remains in {remains} of {counts}, so exposure alone does not explain it"
        if per_run:
            return (f"no bilingual model differs reliably beyond this study's test words "
                    f"({counts}; on these words {per_run} {'stays' if per_run == 1 else 'stay'} reliably different, "
                    f"tested on {n['twox_gee_langs']})")  # fmt: skip
        return f"no bilingual model differs reliably ({counts})"
    text = (
        f"the bilingual's NF is higher in {n['twox_pos']} of {n['twox_n']} contrasts, reliably higher in "
        f"{n['twox_sig']} and reliably lower in {n['twox_neg_sig']} (GLMM, Holm)"
    )
    if remains:
        return (
            text + ": **with exposure matched the bilingual difference remains, so exposure alone does not "
            "explain it.**"
        )
    if not per_run:
        return text + ": **once exposure is matched, no bilingual model differs reliably from the monolingual one.**"
    return text + (
        ": **once exposure is matched, no bilingual model differs from the monolingual one beyond this study's "
        f"test words.** Over runs on these words (GEE, Holm) {n['twox_gee_sig']} of {n['twox_gee_n']} are "
        f"reliably higher and {n['twox_gee_neg_sig']} reliably lower (tested on {n['twox_gee_langs']}); the GLMM, "
        "which also lets each novel word respond to the condition in its own way, finds those differences within "
        "the spread between words."
    )


def _reliable_rows(table: pd.DataFrame, sign: int) -> pd.Series:
    """Contrasts whose interval lies wholly below (sign -1) or above (+1) zero and survive Holm (a row mask)."""
    return stats.reliable(table, sign)


def _reliable(table: pd.DataFrame, sign: int) -> int:
    """How many contrasts are reliable in the direction `sign` (`_reliable_rows`)."""
    return int(_reliable_rows(table, sign).sum())


def bilingual_chapter(contrasts: pd.DataFrame, preset: str) -> dict:
    """Monolingual vs bilingual contrasts on NF and FF, and the chapter's numbers."""
    if "family" not in contrasts or not (contrasts.family == "bilingual").any():
        raise MissingInput(
            f"the {preset} runs give no bilingual–monolingual contrast (they need a bilingual model and a "
            "monolingual model of one of its languages): train the missing conditions, then analyse again"
        )
    bilingual = contrasts[contrasts.family == "bilingual"]
    nf, ff = bilingual[bilingual.test == "nf"], bilingual[bilingual.test == "ff"]
    glmm, gee = (nf[nf.estimator.str.startswith(e)] for e in ("GLMM", "GEE"))
    ff_glmm = ff[ff.estimator.str.startswith("GLMM")]
    both = glmm.merge(gee, on=["lang", "condition", "reference"], suffixes=("", "_gee"))
    numbers = {
        "preset": preset,
        "n_contrasts": len(glmm),
        "n_lower": int((glmm.log_odds_ratio < 0).sum()),
        "n_lower_sig": _reliable(glmm, -1),
        "n_higher_sig": _reliable(glmm, +1),
        "n_gee_sig_lower": _reliable(gee, -1),
        "n_sign_agree": int((np.sign(both.log_odds_ratio) == np.sign(both.log_odds_ratio_gee)).sum()),
        "n_gee": len(both),
        "ff_n_lower_sig": _reliable(ff_glmm, -1),
    }
    return {"nf": nf, "ff": ff, "glmm": glmm, "ff_glmm": ff_glmm, "numbers": numbers}


def _ff_claim(ff: pd.DataFrame) -> str:
    """How many FF contrasts were tested and showed no reliable drop; contrasts at the ceiling (no effect size)
    or whose fit did not converge tested nothing and are counted apart."""
    tested = ff[ff.p_holm.notna()] if "p_holm" in ff else ff
    ceiling = int(ff.ceiling.fillna(False).astype(bool).sum()) if "ceiling" in ff else 0
    failed = len(ff) - len(tested) - ceiling
    parts = [f"{len(tested) - _reliable(tested, -1)} of {len(tested)} tested FF contrasts without a reliable drop"]
    if not len(tested):
        parts = [f"{'yes' if ceiling == len(ff) else 'untested'}: no FF contrast left to test"]
    if ceiling:
        parts.append(f"{ceiling} of {len(ff)} at the ceiling (a model ≥ 99 %: no effect size)")
    if failed:
        parts.append(f"{failed} whose fit did not converge (not tested)")
    return "; ".join(parts)


def detectable_effect(contrasts: pd.DataFrame, power_z: float = 0.8416, alpha_z: float = 1.96) -> float:
    """The smallest log odds ratio these contrasts detect with 80 % power at a two-sided 5 % level, by the normal
    approximation (z_alpha/2 + z_power) x SE, each SE read from its 95 % interval (SE = width / 3.92); the median
    over the tested contrasts. NaN without any."""
    tested = contrasts[contrasts.p_holm.notna()] if "p_holm" in contrasts else contrasts
    se = (tested.high - tested.low) / (2 * alpha_z)
    return float(np.median((alpha_z + power_z) * se)) if len(se.dropna()) else float("nan")


def bilingual_claims(bi: dict, preset: str) -> tuple[pd.DataFrame, str]:
    """The paper's second claims beside ours, and the chapter's verdict."""
    glmm, ff_glmm = bi["glmm"], bi["ff_glmm"]
    n, lower, sig = len(glmm), int((glmm.log_odds_ratio < 0).sum()), _reliable(glmm, -1)
    higher = _reliable(glmm, +1)
    stronger = f"; {higher} reliably higher (a stronger bias)" if higher else ""
    unsettled = n - sig - higher
    mde = detectable_effect(glmm)
    open_ = (f"; the other {unsettled} inconclusive: this design detects a difference of about {mde:.2f} log odds "
             "with 80 % power, not a smaller one" if unsettled and np.isfinite(mde) else "")  # fmt: skip
    rows = [
        ("Bilingual models show a weaker ME bias", "generally yes, with exceptions",
         f"{lower} of {n} bilingual–monolingual contrasts lower, {sig} reliably so (GLMM, Holm){stronger}{open_}"),
        ("FF accuracy stays near ceiling in bilinguals", "yes", _ff_claim(ff_glmm)),
    ]  # fmt: skip
    claims = pd.DataFrame(rows, columns=["claim", "paper", f"this book ({preset} preset)"])
    if n == 0:
        verdict = "There are no bilingual runs yet."
    elif sig == n:
        verdict = (
            "**The miniature reproduces the paper's second finding**: in every test language both bilingual "
            "models show a reliably weaker ME bias than the monolingual model."
        )
    elif sig and lower > n / 2:  # a direction without any reliable contrast is no agreement
        verdict = (
            f"**The miniature agrees with the paper's direction but not everywhere**: {lower} of {n} contrasts "
            f"point to a weaker bias in bilinguals and {sig} are reliable after correction. The paper, too, "
            "reports exceptions."
        )
    elif higher and not sig:
        verdict = (
            f"**The miniature does not reproduce the paper's second finding**: only {lower} of {n} contrasts "
            f"point to a weaker ME bias in bilingual models, none reliably. The book reports this as it is; "
            "the miniature differs from the paper's data in many ways (synthetic voices, pictograms, small "
            "encoders trained on little material), and the geometry chapter looks for what the embedding "
            "spaces do differently."
        )
    else:
        verdict = (
            f"**On the paper's second finding the miniature is inconclusive**: {lower} of {n} contrasts point to a "
            f"weaker ME bias in bilingual models ({sig} reliably). With these runs a contrast is detected with 80 % "
            f"power only from about {mde:.2f} log odds (the median over the contrasts, from their intervals), so a "
            "smaller difference would go unseen: not finding it is not evidence that it is absent."
        )
    if higher:
        verdict += (
            f" In {higher} of {n} contrasts the bilingual model's ME bias is reliably *stronger*. A bilingual "
            "model here sees every concept twice as often per epoch as a monolingual one (each language's "
            "tokens are anchors); the 2x control of the next section, a monolingual model that sees its tokens "
            "twice, asks whether that alone explains it."
        )
    return claims, verdict
