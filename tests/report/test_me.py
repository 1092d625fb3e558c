import pandas as pd

from vgslib.report import intro, me


def test_the_versus_chance_table_shows_no_per_seed_count():
    # A per-seed binomial count ignores that a seed's trials share words: it is no evidence, so it is not shown.
    chance = pd.DataFrame({"condition_label": ["en"], "lang": ["en"], "test": ["nf"], "raw_accuracy": [0.6],
                           "accuracy": [0.6], "low": [0.55], "high": [0.65], "p_holm": [0.01], "rhat": [1.0],
                           "ess_bulk": [900.0], "seeds_above_chance": [4], "seeds": [5]})  # fmt: skip
    shown = me.versus_chance_table(chance)
    assert list(shown.columns) == ["tested", "trained", "raw", "accuracy", "low", "high", "p_holm", "R-hat", "ESS"]
    assert shown.iloc[0].tested == "EN" and shown.iloc[0].trained == "EN"


def _effect(rows):
    """training_effect rows: (trained, lang, low, high, p_holm)."""
    return pd.DataFrame([{"condition_label": c, "lang": lang, "test": "nf", "runs": 5, "trained_accuracy": 0.6,
                          "untrained_accuracy": 0.55, "log_odds_ratio": (lo + hi) / 2, "low": lo, "high": hi,
                          "p_holm": p, "ceiling": False, "diagnostics_ok": p == p}
                         for c, lang, lo, hi, p in rows])  # fmt: skip


def _me(effect, chance_low=(0.55, 0.52, 0.45)):
    chance = pd.DataFrame({"condition_label": ["en", "fr", "nl"], "lang": ["en", "fr", "nl"],
                           "accuracy": [0.6] * 3, "low": list(chance_low), "high": [0.7] * 3})  # fmt: skip
    table = pd.DataFrame({"test": ["ff"], "mean": [0.99]})
    return {"chance": chance, "table": table, "effect": effect}


def test_q1_is_answered_against_the_untrained_models_not_against_50_percent():
    none_up = _effect([("en", "en", -0.3, 0.7, 1.0), ("fr", "fr", -0.1, 0.4, 1.0), ("nl", "nl", -0.5, 0.3, 1.0)])
    claims, verdict = me.me_claims(_me(none_up), "laptop")
    assert "does not reliably produce" in verdict and "2 of 3 monolingual models are reliably above 50 %" in verdict
    row = claims[claims.claim.str.startswith("Training produces")].iloc[0]
    assert row.iloc[-1].startswith("no: 0 of 3")
    assert claims[claims.claim.str.startswith("Monolingual")].iloc[0].iloc[-1].startswith("in part: 2 of 3")
    glance = intro.at_a_glance(claims, pd.DataFrame({"paper": ["x"], claims.columns[-1]: ["y"]}), "z")
    assert glance.iloc[0, 2].startswith("no: 0 of 3") and "in part: 2 of 3" in glance.iloc[0, 2]
    one_up = _effect([("en", "en", 0.1, 0.7, 0.01), ("fr", "fr", -0.1, 0.4, 1.0), ("nl", "nl", 0.1, 0.3, float("nan"))])
    _, verdict = me.me_claims(_me(one_up), "laptop")
    assert "only in part" in verdict and "1 of these fits failed the convergence rule" in verdict
    shown = me.training_effect_table(one_up)
    assert shown.set_index("tested").loc["NL", "p_holm"] == "not tested"
    assert "did not converge" in shown.set_index("tested").loc["NL", "log odds ratio [95 %]"]
