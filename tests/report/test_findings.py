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
