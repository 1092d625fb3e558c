"""vgslib/report/beyond.py: the beyond-the-paper chapter reads its runs, and its answers say what the numbers say."""

import json
import os
import pathlib
import shutil

import numpy as np
import pandas as pd
import pytest

from vgslib import experiments, paths, recipe, runs
from vgslib.training import experiment


@pytest.fixture(scope="module")
def family_runs(study, tmp_path_factory):
    """The negatives family on the tiny world: Table 1 runs and 3-negative runs, two seeds each (smoke preset)."""
    data_cfg, data = study
    root = tmp_path_factory.mktemp("runs")
    for seed in (0, 1):
        for overrides in ({}, {"num_negatives": 3}):
            cfg = recipe.make_config("smoke", {"data": data_cfg.to_dict(), "train": {"seed": seed, **overrides}})
            experiment.run(cfg, str(root / cfg.condition.run_name), data=data, progress=False)
    return runs.load_runs(str(root)), data


def test_the_chapter_reads_a_family_from_its_runs(family_runs):
    from vgslib.report.beyond import Beyond
    from vgslib.results import beyond

    tidy, data = family_runs
    family = experiments.FAMILY["negatives"]
    members = beyond.assign(tidy["runs"], "smoke")
    mine = members[members.family == "negatives"]
    assert sorted(mine.setting) == ["11 negatives (Table 1)"] * 2 + ["3 negatives"] * 2
    others = members[members.family != "negatives"]  # the EN Table 1 runs are the other EN families' baselines
    en_families = {f.name for f in experiments.FAMILIES if "en" in f.conditions} - {"negatives"}
    assert others.baseline.all() and set(others.family) == en_families
    acc = beyond.accuracy_table(members, family)
    nf = acc[(acc.test == "nf") & (acc.lang == "en")]
    assert list(nf.setting) == ["3 negatives", "11 negatives (Table 1)"] and (nf.runs == 2).all()
    assert (nf.low <= nf["mean"]).all() and (nf["mean"] <= nf.high).all()
    contrasts = beyond.contrasts(members, tidy["trials"], family)
    assert list(contrasts.condition) == ["3 negatives"] and contrasts.runs.iloc[0] == 4
    assert np.isfinite(contrasts[["log_odds_ratio", "low", "high", "p_holm"]].to_numpy()).all()
    page = Beyond(members, tidy["trials"], "smoke")
    assert page.present(family) and not page.present(experiments.FAMILY["encoders"])
    assert "NF runs from" in page.answer(family, acc, contrasts) and "No run of this experiment" in page.missing(family)
    cost = page.cost_table().set_index("experiment")
    assert cost.loc[family.title, "runs beyond Table 1"] == f"2 of {beyond.expected_runs(family)}"
    assert float(cost.loc[family.title, "training, core-minutes"]) >= 0  # measured: a number
    assert cost.loc[experiments.FAMILY["encoders"].title, "on 2 cores, minutes"] == "not run here"  # never "0"
    geometry = beyond.geometry_table(members, family, data.manifest)
    assert page.geometry_answer(geometry) == ""  # two settings: no correlation is claimed
    shown = page.geometry_display(family, geometry)
    assert list(shown.setting) == ["3 negatives", "11 negatives (Table 1)"] and "ME margin (NwF − NwN)" in shown
    # A family with only its Table 1 runs here: its tables compare nothing, and cost nothing to compute.
    encoders = experiments.FAMILY["encoders"]
    assert beyond.geometry_table(members, encoders, data.manifest).empty
    assert beyond.contrasts(members, tidy["trials"], encoders).empty
    assert beyond.contrasts(members[members.family == "none"], tidy["trials"], encoders).empty  # no run at all


def test_the_geometry_answer_relates_nf_to_the_familiar_picture_variance_across_settings():
    from vgslib.report.beyond import Beyond

    settings = {"setting": ["a", "b", "c"] * 2, "nf": [0.6, 0.62, 0.64] * 2, "var_img_fam": [0.2, 0.3, 0.4] * 2}
    text = Beyond.geometry_answer(pd.DataFrame({"train_langs": "en", "lang": "en", **settings}))
    assert "variance 0.200–0.400" in text and "correlation of the 3 setting means +1.00" in text


def test_the_languages_answer_counts_reliable_effects_and_relates_them_to_word_similarity():
    from vgslib.report.beyond import Beyond

    effects = pd.DataFrame(
        {"model": ["EN+DE", "EN+DE", "EN+FR", "EN+FR"], "tested on": ["EN", "DE", "EN", "FR"],
         "log_odds_ratio": [0.4, -0.3, 0.1, 0.0], "low": [0.1, -0.5, -0.2, -0.3], "high": [0.7, -0.1, 0.4, 0.3],
         "p_holm": [0.01, 0.02, 0.5, 1.0]}
    )  # fmt: skip
    pairs = pd.DataFrame(
        {"pair": ["EN+DE", "EN+FR", "EN+NL", "FR+NL"], "NF difference": [0.01, 0.02, 0.03, 0.04],
         "word similarity": [0.1, 0.2, 0.3, 0.4]}
    )  # fmt: skip
    text = Beyond.languages_answer(effects, pairs)
    assert "Of 4 comparisons" in text and "1 give the multilingual model a reliably higher NF (EN+DE on EN)" in text
    assert "1 a reliably lower one (EN+DE on DE)" in text
    assert "r = +1.00" in text and "over 4 pairs." in text  # a perfect correlation: its interval excludes 0
    assert "too few pairs" not in text


def test_the_chapter_reads_prepared_data_and_never_builds_it(family_runs, monkeypatch):
    """The probe and the word similarity read what the runs' preparation recorded; with `prepare` made to fail,
    the page still reads it, and a data config nothing prepared is named as missing instead of built."""
    from vgslib.encoders import prepare as preparing
    from vgslib.report.beyond import Beyond
    from vgslib.results import beyond

    def refuse(*args, **kwargs):
        raise AssertionError("a page built data")

    tidy, data = family_runs
    members = beyond.assign(tidy["runs"], "smoke")
    page = Beyond(members, tidy["trials"], "smoke")
    family = experiments.FAMILY["negatives"]
    # A data folder prepared before it recorded what it prepared: the settings are named, nothing is built.
    shutil.rmtree(os.path.join(paths.features_dir(), "prepared"))
    monkeypatch.setattr(preparing, "prepare", refuse)
    assert sorted(page.probe(family).attrs["unprepared"]) == ["11 negatives (Table 1)", "3 negatives"]
    monkeypatch.undo()
    from vgslib.__main__ import prepare as prepare_command

    assert prepare_command(["--runs", os.path.dirname(members.dir.iloc[0]), "--quiet"]) == 0
    monkeypatch.setattr(preparing, "prepare", refuse)
    probe = page.probe(family)
    assert set(probe.setting) == {"3 negatives", "11 negatives (Table 1)"} and probe.attrs["unprepared"] == []
    assert np.isfinite(probe.select_dtypes("number").to_numpy()).all()
    config = json.loads((pathlib.Path(members.dir.iloc[0]) / "config.json").read_text())["data"]
    other = preparing.DataConfig.from_dict({**config, "world": {**config["world"], "seed": 12345}})
    with pytest.raises(FileNotFoundError, match="nothing has been prepared"):
        preparing.load_prepared_config(other)
