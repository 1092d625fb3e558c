import numpy as np
import pandas as pd

from vgslib.report import bilingual


def _contrasts(effects, half=0.2):
    """GLMM contrast rows with log odds ratios and 95 % intervals of half-width `half`, p_holm 0.01."""
    return pd.DataFrame(
        [{"log_odds_ratio": e, "low": e - half, "high": e + half, "p_holm": 0.01, "estimator": "GLMM"} for e in effects]
    )


def _verdict(nf, ff=(0.0, 0.0)):
    return bilingual.bilingual_claims({"glmm": _contrasts(nf), "ff_glmm": _contrasts(ff)}, "laptop")


def test_the_bilingual_verdict_follows_the_contrasts():
    claims, verdict = _verdict([-1.0, -1.0, -1.0])
    assert verdict.startswith("**The miniature reproduces the paper's second finding**")
    assert claims.iloc[0, 2] == "3 of 3 bilingual–monolingual contrasts lower, 3 reliably so (GLMM, Holm)"
    _, verdict = _verdict([-1.0, -1.0, 0.1])
    assert "agrees with the paper's direction but not everywhere" in verdict
    claims, verdict = _verdict([1.0, 1.0, -0.1])
    assert "does not reproduce" in verdict and "reliably *stronger*" in verdict
    assert (
        "0 reliably so (GLMM, Holm); 2 reliably higher (a stronger bias); the other 1 inconclusive" in claims.iloc[0, 2]
    )
    claims, verdict = _verdict([-0.1, 0.1, -0.05])  # nothing reliable either way: inconclusive, not "no"
    assert verdict.startswith("**On the paper's second finding the miniature is inconclusive**")
    # 80 % power at 5 %: (1.96 + 0.84) x SE, SE = 0.4 / 3.92 from the intervals of half-width 0.2
    assert "from about 0.29 log odds" in verdict and "about 0.29 log odds with 80 % power" in claims.iloc[0, 2]
    claims, _ = _verdict([-1.0], ff=[-1.0, 0.0])
    assert claims.iloc[1, 2] == "1 of 2 tested FF contrasts without a reliable drop"


def _resample(twice, glmm, gee=None, half=0.2):
    """Resample-family NF contrasts: 2x vs 1x (`twice`) and bilingual vs 2x by the GLMM (`glmm`, intervals of
    half-width `half`) and the GEE (`gee`, the GLMM's effects when None; half-width 0.2), in English, French,
    Dutch."""

    def rows(effects, estimator, reference, half=0.2):
        langs = ["en", "fr", "nl"][: len(effects)]
        return _contrasts(effects, half).assign(estimator=estimator, reference=reference, lang=langs,
                                                family="resample", test="nf")  # fmt: skip

    return pd.concat([rows(twice, "GLMM (Bayes, NUTS)", "en"), rows(glmm, "GLMM (Bayes, NUTS)", "en 2x", half),
                      rows(glmm if gee is None else gee, "GEE (runs)", "en 2x")], ignore_index=True)  # fmt: skip


def test_the_2x_answer_tells_whether_matched_exposure_removes_the_bilingual_difference():
    kept = bilingual.family_answer(_resample([0.0], [1.0, 0.0]), "resample")
    assert "twice (2x vs 1x): reliably higher in 0 and reliably lower in 0 of 1" in kept
    assert "higher in 1 of 2 contrasts, reliably higher in 1 and reliably lower in 0 (GLMM, Holm)" in kept
    assert "the bilingual difference remains, so exposure alone does not explain it" in kept
    assert "no bilingual model differs reliably" in bilingual.family_answer(_resample([1.0], [0.0, 0.0]), "resample")
    # the per-run GEE finds a difference the GLMM does not: the verdict follows the GLMM and names the GEE's
    split = bilingual.exposure_verdict(_resample([0.0], [0.0, 0.5], half=0.6))
    assert "no bilingual model differs from the monolingual one beyond this study's test words" in split
    assert "1 of 2 are reliably higher and 0 reliably lower (tested on FR)" in split
    brief = bilingual.exposure_verdict(_resample([0.0], [0.0, 0.5], half=0.6), brief=True)
    assert "beyond this study's test words (2 contrasts, GLMM, Holm; on these words 1 stays" in brief
    assert bilingual.exposure_verdict(_resample([0.0], [])) == "" and bilingual.exposure_verdict(pd.DataFrame()) == ""
    assert bilingual.exposure_counts(_resample([0.0], [1.0, -1.0]))["twox_neg_sig"] == 1
    links = bilingual.family_answer(_contrasts([-1.0, 0.0, 0.0]), "links")
    assert "reliably higher in 0 and reliably lower in 1 of 3 contrasts" in links


def test_a_contrast_at_its_ceiling_reads_not_tested_and_its_p_values_no_nan():
    row = {"lang": "en", "condition": "en+fr", "reference": "en", "estimator": "GEE", "diagnostics_ok": True}
    table = pd.DataFrame([row | {"condition_accuracy": 0.995, "reference_accuracy": 0.998, "log_odds_ratio": np.nan,
                                 "low": np.nan, "high": np.nan, "p_approx": np.nan, "p_holm": np.nan},
                          row | {"condition_accuracy": 0.60, "reference_accuracy": 0.58, "log_odds_ratio": 0.1,
                                 "low": -0.1, "high": 0.3, "p_approx": 0.31, "p_holm": 0.62}])  # fmt: skip
    html = bilingual.contrast_table(table).to_html()
    assert "nan" not in html and html.count("not tested") == 2
    assert "ceiling: no effect size" in html and "+0.10 [-0.10, +0.30]" in html and "0.62" in html
