"""The comparison of the two samplers of negatives: the rule applied to planted cells, and the contrast per cell
recovering a planted difference (and testing nothing at the ceiling)."""

import numpy as np
import pandas as pd
import pytest

from vgslib.report import charts
from vgslib.results import negative_sampler as ns
from vgslib.results.calibration import Design, simulate


def _cells(nf_diffs, reliable=()):
    rows = []
    for i, diff in enumerate(nf_diffs):
        for test in ns.TESTS:
            at_ceiling = test == "ff"
            d = diff if test == "nf" else 0.0
            rows.append({"train_langs": f"c{i}", "lang": "en", "test": test, "pool": 0.6, "batch": 0.6 + d / 100,
                         "diff_points": d, "ceiling": at_ceiling, "log_odds_ratio": np.nan if at_ceiling else d / 25,
                         "low": np.nan if at_ceiling else d / 25 - 0.2, "high": np.nan if at_ceiling else d / 25 + 0.2,
                         "p_holm": np.nan if at_ceiling else (0.01 if (i, test) in reliable else 0.5)})  # fmt: skip
    table = pd.DataFrame(rows)
    table["reliable"] = table.p_holm < 0.05
    return table


def test_the_rule_switches_only_without_a_reliable_cell_and_with_small_nf_differences():
    assert ns.verdict(_cells([1.0, -2.5, 0.3]))["sampler"] == "batch"
    too_large = ns.verdict(_cells([1.0, -3.4, 0.3]))
    assert too_large["sampler"] == "pool" and "-3.4 points (c1 on EN)" in too_large["reason"]
    one_reliable = ns.verdict(_cells([1.0, 0.5, 0.3], reliable={(2, "fn")}))
    assert (
        one_reliable["sampler"] == "pool"
        and "1 of 6 tested cells differ reliably (c2 on EN FN)" in (one_reliable["reason"])
    )


def _trials(p_pool, p_batch, test="nf", seed=0):
    """Two samplers' trials with run, word and run x word variation as in the study (calibration.simulate)."""
    from scipy.special import logit

    design = Design(seeds=3, words=8, per_word=40)
    intercept, effect = (logit(p_pool) + logit(p_batch)) / 2, logit(p_batch) - logit(p_pool)
    trials = simulate(design, intercept, effect, np.random.default_rng(seed))
    sampler = trials.condition_label.map({"condition": "batch", "reference": "pool"})
    return trials.assign(sampler=sampler, train_langs="en", lang="en", test=test)


def test_a_planted_difference_is_found_and_a_ceiling_is_not_tested():
    cells = ns.cell_contrasts(_trials(0.5, 0.8))
    row = cells.iloc[0]
    assert row.diff_points == pytest.approx(30, abs=6) and row.low > 0 and bool(row.reliable)
    ceiling = ns.cell_contrasts(_trials(0.999, 0.9999, test="ff"))
    assert bool(ceiling.ceiling.iloc[0]) and not bool(ceiling.reliable.iloc[0])


def test_the_chart_shows_every_cell_and_leaves_ceiling_cells_without_an_estimate():
    cells = _cells([1.0, -2.0])
    spec = charts.negative_sampler_chart(cells).to_dict()
    assert spec["description"] == charts.negative_sampler_chart.caption
    shown = spec["vconcat"][1]["layer"][0]
    data = pd.DataFrame(spec["datasets"][shown["data"]["name"]])
    assert set(data.test) == {"NF", "FN"}  # FF is at the ceiling here: no estimate drawn
