"""The why chapter's words follow its numbers, whichever way they come out."""

import numpy as np
import pandas as pd

from vgslib.report import bilingual
from vgslib.report.geometry import Geometry
from vgslib.results.mechanism import PREDICTORS, QUANTITIES


def chapter(var_slope: float, nf_bi: float, nn: float, seed: int = 0) -> Geometry:
    """A Geometry over synthetic per-run rows: bilinguals with tighter familiar pictures and NF `nf_bi`, monolingual
    models at NF 0.60; NN accuracy `nn` everywhere; the familiar-picture variance's slope `var_slope`."""
    rng = np.random.default_rng(seed)
    rows = []
    for kind, nf, var in (("monolingual", 0.60, 0.33), ("bilingual", nf_bi, 0.28)):
        for k in range(10):
            rows.append({"run": f"{kind}{k}", "kind": kind, "lang": "en", "nf": nf + rng.normal(0, 0.01),
                         "nn": nn + rng.normal(0, 0.01), "var_img_fam": var + rng.normal(0, 0.005),
                         "between_img": -0.1, "between_img_p": 0.005, "referent": 0.0, "me_margin": 0.01,
                         "gap": 0.9})  # fmt: skip
    table = pd.DataFrame(rows)
    predictors = pd.DataFrame(
        [{"quantity": q, "slope": 0.1, "low": -0.5, "high": 0.7, "p": 0.5, "loglik gain": 0.1} for q in QUANTITIES]
    )
    predictors.loc[predictors.quantity == "var_img_fam", ["slope", "low", "high", "loglik gain"]] = (
        var_slope, var_slope - 0.5, var_slope + 0.5, 5.0)  # fmt: skip
    matched = pd.DataFrame([{"when": "equal steps", "steps": 100, "difference": 2.0, "low": 0.5, "high": 3.5}])
    between = pd.DataFrame([{"quantity": q, "slope": 0.0, "low": -1.0, "high": 1.0, "p": 0.6, "p_holm": 1.0,
                             "cells": 18, "conditions": 12} for q in PREDICTORS])  # fmt: skip
    return Geometry(table, table.iloc[:0], predictors, pd.DataFrame(), matched, pd.DataFrame(), {}, between=between)


def test_the_answer_says_which_way_the_paper_s_mechanism_runs():
    assert "in the paper's direction" in chapter(+2.0, 0.55, 0.5).answer()
    assert "runs the other way" in chapter(-2.0, 0.55, 0.5).answer()
    assert "does not reliably predict" in chapter(0.0, 0.55, 0.5).answer()
    assert "familiar pictures: variance" in chapter(+2.0, 0.55, 0.5).answer()  # the best predictor is named


def test_the_answer_and_verdicts_follow_the_bilingual_direction():
    weaker, stronger = chapter(0.0, 0.55, 0.5), chapter(0.0, 0.66, 0.5)
    assert "weaker, as in the paper" in weaker.answer() and "stronger, not weaker" in stronger.answer()
    assert "have the stronger bias" in stronger.claims_verdict()
    assert "have the stronger bias" not in weaker.claims_verdict()


def test_referent_and_novelty_matching_are_told_apart():
    novelty = chapter(0.0, 0.62, 0.50).referent_verdicts().set_index("model")["kind of ME"]
    referent = chapter(0.0, 0.62, 0.70).referent_verdicts().set_index("model")["kind of ME"]
    assert set(novelty) == {"novelty matching"} and set(referent) == {"referent"}
    assert "every kind of model shows *novelty matching*" in chapter(0.0, 0.62, 0.50).referent_text()


def test_the_mechanism_between_conditions_leads_the_answer():
    why = chapter(0.0, 0.55, 0.5)
    assert "Between conditions, 0 of the 8 quantities" in why.answer()
    assert "does not reliably predict it" in why.conditions_text()
    why.between.loc[why.between.quantity == "var_img_fam", ["slope", "low", "high", "p", "p_holm"]] = (
        -3.0, -5.0, -1.0, 0.001, 0.008)  # fmt: skip
    assert "Between conditions, 1 of the 8" in why.answer() and "against the paper's direction" in why.answer()
    claim = why.claims(None, "laptop").set_index("claim")
    assert claim.iloc[:, 1]["More spread-out familiar pictures leave room for ME, between conditions"].startswith(
        "opposite"
    )
    assert "by construction" in claim.iloc[:, 1]["A novel word closer to novel than to familiar pictures chooses "
                                                 "novel ones"]  # fmt: skip


def test_a_circular_quantity_is_never_the_best_predictor():
    why = chapter(0.0, 0.55, 0.5)
    why.predictors.loc[why.predictors.quantity == "referent", "loglik gain"] = 99.0
    assert why.best() == "var_img_fam"


def test_one_seed_per_condition_is_said_not_guessed():
    why = chapter(0.0, 0.62, 0.5)
    why.predictors = why.predictors.iloc[:0]
    assert not why.enough and "cannot yet tell" in why.answer()
    assert "too few runs" in why.claims(None, "smoke").iloc[2, 2] and why.predictor_table().empty


def test_the_2x_control_enters_the_answer_only_when_its_runs_exist():
    why = chapter(0.0, 0.66, 0.5)  # bilinguals at NF 0.66 against monolingual models at 0.60
    assert why.numbers()["twox_n"] == 0 and "2x control" not in why.answer() and why.exposure_text() == ""
    for effect, says in ((0.0, "no bilingual model differs reliably"),
                         (1.0, "exposure alone does not explain it")):  # fmt: skip
        contrasts = pd.DataFrame([{"family": "resample", "test": "nf", "lang": "en", "reference": "en 2x",
                                   "estimator": estimator, "log_odds_ratio": effect, "low": effect - 0.2,
                                   "high": effect + 0.2, "p_holm": 0.01} for estimator in ("GLMM", "GEE")])  # fmt: skip
        matched = chapter(0.0, 0.66, 0.5)
        matched.contrasts = contrasts
        assert matched.numbers()["twox_n"] == 1 and says in matched.answer()
        # the bilingual chapter's 2x section states the same verdict
        assert bilingual.exposure_verdict(contrasts) in bilingual.family_answer(contrasts, "resample")


def test_the_chapter_reads_the_analysis_tables_and_names_an_analysis_without_them(tmp_path):
    """The chapter's tables come from the results folder the analysis notebook wrote (computed once per
    build), read back exactly; an analysis made without them is named with how to make them."""
    import pytest

    from vgslib.results import analysis

    why = chapter(+2.0, 0.55, 0.5)
    stored = {"mechanism": why.table, "mechanism_untrained": why.untrained, "mechanism_predictors": why.predictors,
              "nf_by_steps": why.curves, "step_matched": why.matched, "novel_words": why.words,
              "mechanism_between": why.between, "contrasts": pd.DataFrame()}  # fmt: skip
    trials = pd.DataFrame(columns=analysis.R_COLUMNS)
    analysis.write(stored, trials, str(tmp_path), {"preset": "laptop"})
    back = Geometry.from_results(analysis.read(str(tmp_path)))
    pd.testing.assert_frame_equal(back.table, why.table)
    assert back.numbers() == why.numbers() and back.answer() == why.answer()
    analysis.write({"contrasts": pd.DataFrame({"x": [1]})}, trials, str(tmp_path), {"preset": "laptop"})
    with pytest.raises(RuntimeError, match="laptop preset holds no mechanism tables.*notebook analyse"):
        Geometry.from_results(analysis.read(str(tmp_path)))
