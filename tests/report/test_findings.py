import pandas as pd

from vgslib.report import findings


def _contrasts(effects):
    """GLMM contrast rows with log odds ratios and 95 % intervals of half-width 0.2, p_holm 0.01."""
    return pd.DataFrame(
        [{"log_odds_ratio": e, "low": e - 0.2, "high": e + 0.2, "p_holm": 0.01, "estimator": "GLMM"} for e in effects]
    )


def _verdict(nf, ff=(0.0, 0.0)):
    return findings.bilingual_claims({"glmm": _contrasts(nf), "ff_glmm": _contrasts(ff)}, "laptop")


def test_the_bilingual_verdict_follows_the_contrasts():
    claims, verdict = _verdict([-1.0, -1.0, -1.0])
    assert verdict.startswith("**The miniature reproduces the paper's second finding**")
    assert claims.iloc[0, 2] == "3 of 3 bilingual–monolingual contrasts lower, 3 reliably so (GLMM, Holm)"
    _, verdict = _verdict([-1.0, -1.0, 0.1])
    assert "agrees with the paper's direction but not everywhere" in verdict
    claims, verdict = _verdict([1.0, 1.0, -0.1])
    assert "does not reproduce" in verdict and "reliably *stronger*" in verdict
    assert claims.iloc[0, 2].endswith("0 reliably so (GLMM, Holm); 2 reliably higher (a stronger bias)")
    claims, _ = _verdict([-1.0], ff=[-1.0, 0.0])
    assert claims.iloc[1, 2] == "1 of 2 FF contrasts without a reliable drop"


def test_the_2x_answer_tells_whether_matched_exposure_removes_the_bilingual_difference():
    def family(twice, vs_twox):
        rows = _contrasts(twice + vs_twox).assign(reference=["en"] * len(twice) + ["en 2x"] * len(vs_twox))
        return findings.family_answer(rows.assign(estimator="GLMM (lme4)"), "resample")

    kept = family([0.0], [1.0, 0.0])
    assert "twice (2x vs 1x): reliably higher in 0 and reliably lower in 0 of 1" in kept
    assert "bilingual vs 2x: reliably higher in 1 and reliably lower in 0 of 2" in kept
    assert "leaves a reliable bilingual advantage" in kept
    assert "no bilingual model keeps a reliable advantage" in family([1.0], [0.0, -1.0])
    links = findings.family_answer(_contrasts([-1.0, 0.0, 0.0]), "links")
    assert "reliably higher in 0 and reliably lower in 1 of 3 contrasts" in links
