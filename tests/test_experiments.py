"""The beyond-the-paper families: their declaration, and one smoke run of every family."""

import json
import os
import pathlib
import shutil

import numpy as np
import pandas as pd
import pytest

from vgslib import experiments, paths, recipe, runs
from vgslib.jobs import grid
from vgslib.params import TrainParams
from vgslib.training import experiment
from vgslib.training.groups import Pool, sample_groups
from vgslib.training.loop import epoch_anchors


def _config(params: dict) -> recipe.RunConfig:
    return TrainParams(**TrainParams.validate(params)).to_config()


def _record(cfg: recipe.RunConfig) -> dict:
    """What a run directory records of its config (as `runs.open_run` writes it)."""
    return {**cfg.to_dict(), "digest": cfg.digest(), "identity": cfg.identity(), "condition": cfg.condition.to_dict()}


@pytest.mark.parametrize("family", experiments.FAMILIES, ids=lambda f: f.name)
def test_every_family_is_declared_completely(family):
    assert sum(s.baseline for s in family.settings) == 1, "exactly one setting is the Table 1 recipe"
    assert len({s.value for s in family.settings}) == len(family.settings)
    assert family.question and family.prediction and family.child_study and family.conditions
    for langs in family.conditions:
        table1 = _config({"train_languages": langs, "preset": "laptop", "seed": 3})
        folders = set()
        for s in family.settings:
            cfg = _config({"train_languages": langs, "preset": "laptop", "seed": 3, **experiments.train_params(s)})
            assert cfg.condition.table1 == s.baseline  # a setting's runs never count as Table 1 runs
            folders.add(recipe.run_dir(cfg))
            assert experiments.setting_of(family, _record(cfg), _record(table1)) == s
        assert len(folders) == len(family.settings)  # every setting trains into folders of its own


def test_a_run_of_another_recipe_belongs_to_no_setting():
    table1 = _config({"train_languages": "en", "preset": "laptop", "seed": 0})
    other = _config({"train_languages": "en", "preset": "laptop", "seed": 0, "epochs": 5})
    both = _config({"train_languages": "en", "preset": "laptop", "seed": 0, "epochs": 5,
                    "train_overrides": '{"num_negatives": 3}'})  # fmt: skip
    for cfg in (other, both):
        assert experiments.setting_of(experiments.FAMILY["negatives"], _record(cfg), _record(table1)) is None


def test_the_experiments_grid_is_the_default_grid_plus_every_non_baseline_setting():
    conds = grid.conditions("experiments", "laptop")
    extra = sum(len(f.conditions) * (len(f.settings) - 1) * len(experiments.SEEDS) for f in experiments.FAMILIES)
    assert len(conds) == len(grid.conditions("controls", "laptop")) + extra == 30 + 30 + extra
    assert len({grid.train_run_dir(c) for c in conds}) == len(conds)
    full = {grid.train_run_dir(c) for c in grid.conditions("full", "laptop")}
    assert {grid.train_run_dir(c) for c in conds} <= full


def test_adding_a_field_at_its_default_changes_no_identity():
    """`first_language_share` came after the Table 1 runs: at its default it is not in the record (so every
    existing run keeps its folder and identity); set, it is."""
    old_recipe = {"languages": ["en", "fr"], "negatives": "pool", "precision": "bf16"}  # laptop before 2026-12-04
    cfg = recipe.make_config("laptop", {"train": old_recipe})
    assert "first_language_share" not in cfg.to_dict()["train"] and "negatives" not in cfg.to_dict()["train"]
    assert cfg.identity() == "60dd286fa201"  # the laptop EN+FR identity recorded before the fields existed
    shared = cfg.replace(train=cfg.train.replace(first_language_share=0.75))
    assert shared.to_dict()["train"]["first_language_share"] == 0.75 and shared.identity() != cfg.identity()
    assert recipe.RunConfig.from_dict(shared.to_dict()) == shared


def test_bad_shares_are_refused():
    bad = [
        ({"languages": ["en"], "first_language_share": 0.5}, "two training languages"),
        ({"languages": ["en", "fr"], "first_language_share": 1.0}, "strictly between"),
        ({"languages": ["en", "fr"], "links": True, "first_language_share": 0.5}, "links"),
    ]
    for train, what in bad:
        with pytest.raises(ValueError, match=what):
            recipe.make_config("laptop", {"train": train})
    with pytest.raises(ValueError, match="train_overrides"):
        _config({"train_overrides": "[1, 2]"})


def test_an_uneven_epoch_keeps_its_length_and_hears_every_token_of_the_dominant_language():
    lang = np.array(["en"] * 30 + ["fr"] * 30)
    pool = Pool(np.arange(60).astype(str), None, None, np.array(["cat"] * 60), lang)
    cfg = recipe.make_config("laptop", {"train": {"languages": ["en", "fr"], "first_language_share": 0.9}}).train
    anchors = epoch_anchors(pool, cfg, np.random.default_rng(0))
    assert len(anchors) == 60 and (lang[anchors] == "en").sum() == 54
    assert set(anchors[lang[anchors] == "en"]) == set(range(30))  # each English token once before any twice
    assert len(set(anchors[lang[anchors] == "fr"])) == 6  # six French tokens, none twice
    even = recipe.make_config("laptop", {"train": {"languages": ["en", "fr"]}}).train
    assert sorted(epoch_anchors(pool, even, np.random.default_rng(0))) == list(range(60))


def _one_setting_per_kind_of_change() -> list:
    """Of every family, the first setting of each kind of change (what it changes, not by how much)."""
    picked = {}
    for f in experiments.FAMILIES:
        for s in f.settings:
            picked.setdefault((f.name, tuple(sorted(s.changes))), (f, s))
    return [pair for (_, changes), pair in picked.items() if changes]


@pytest.mark.parametrize("family, setting", _one_setting_per_kind_of_change(), ids=lambda x: getattr(x, "label", ""))
def test_a_smoke_run_of_every_family(family, setting, study, tmp_path):
    """A run of each kind of setting trains (smoke preset, one epoch, the tiny world's EN and EN+NL standing in
    for the family's languages) and its run directory is recognised as that setting against its Table 1 run."""
    data_cfg, _ = study
    langs = ["en", "nl"] if "+" in family.conditions[0] else ["en"]
    base = {"data": data_cfg.to_dict(), "train": {"languages": langs, "epochs": 1}}
    needed, world = set(setting.changes.get("train.languages", ())), data_cfg.world.languages
    if not needed <= set(setting.changes.get("data.world.languages", world)):  # e.g. French for EN+FR+NL
        base["data"]["world"]["languages"] = [*world, *sorted(needed - set(world))]
    table1 = recipe.make_config("smoke", base)
    overrides = {k.removesuffix("_overrides"): json.loads(v) for k, v in experiments.train_params(setting).items()}
    cfg = recipe.make_config("smoke", recipe.merge(base, overrides))
    run = runs.load_run(experiment.run(cfg, str(tmp_path / "run"), progress=False))
    tested = cfg.train.languages[0]
    assert run["complete"] and run["trials"] is not None and np.isfinite(run["done"][f"nf_{tested}"])
    assert experiments.setting_of(family, run["config"], _record(table1)) == setting


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
    assert "NF runs from" in page.answer(family) and "No run of this experiment" in page.missing(family)
    cost = page.cost_table().set_index("experiment")
    assert cost.loc[family.title, "runs beyond Table 1"] == f"2 of {beyond.expected_runs(family)}"
    assert float(cost.loc[family.title, "training, core-minutes"]) >= 0  # measured: a number
    assert cost.loc[experiments.FAMILY["encoders"].title, "on 2 cores, minutes"] == "not run here"  # never "0"
    assert page.geometry_answer(family, data.manifest) == ""  # two settings: no correlation is claimed
    geometry = page.geometry(family, data.manifest)
    assert list(geometry.setting) == ["3 negatives", "11 negatives (Table 1)"] and "ME margin (NwF − NwN)" in geometry


def test_the_geometry_answer_relates_nf_to_the_familiar_picture_variance_across_settings():
    from vgslib.report.beyond import Beyond

    page = Beyond(pd.DataFrame(), pd.DataFrame(), "laptop")
    settings = {"setting": ["a", "b", "c"] * 2, "nf": [0.6, 0.62, 0.64] * 2, "var_img_fam": [0.2, 0.3, 0.4] * 2}
    page._geometry["negatives"] = pd.DataFrame({"train_langs": "en", "lang": "en", **settings})
    text = page.geometry_answer(experiments.FAMILY["negatives"], None)
    assert "variance 0.200–0.400" in text and "correlation of the 3 setting means +1.00" in text


def test_the_languages_answer_counts_reliable_effects_and_relates_them_to_word_similarity():
    from vgslib.report.beyond import Beyond

    page = Beyond(pd.DataFrame(), pd.DataFrame(), "laptop")
    page._languages["effects"] = pd.DataFrame(
        {"model": ["EN+DE", "EN+DE", "EN+FR", "EN+FR"], "tested on": ["EN", "DE", "EN", "FR"],
         "log_odds_ratio": [0.4, -0.3, 0.1, 0.0], "low": [0.1, -0.5, -0.2, -0.3], "high": [0.7, -0.1, 0.4, 0.3],
         "p_holm": [0.01, 0.02, 0.5, 1.0]}
    )  # fmt: skip
    page._languages["pairs"] = pd.DataFrame(
        {"pair": ["EN+DE", "EN+FR", "EN+NL", "FR+NL"], "NF difference": [0.01, 0.02, 0.03, 0.04],
         "word similarity": [0.1, 0.2, 0.3, 0.4]}
    )  # fmt: skip
    text = page.languages_answer()
    assert "Of 4 comparisons" in text and "1 give the multilingual model a reliably higher NF (EN+DE on EN)" in text
    assert "1 a reliably lower one (EN+DE on DE)" in text
    assert "r = +1.00" in text and "over 4 pairs." in text  # a perfect correlation: its interval excludes 0
    assert "too few pairs" not in text


def test_the_balance_dose_response_reads_each_language_s_own_share():
    """EN trials get better with the share of English, FR trials with the share of French (1 - it): both
    slopes come out positive, and the answer says so."""
    from scipy.special import expit

    from vgslib.report.beyond import Beyond
    from vgslib.results import beyond

    family, rng = experiments.FAMILY["balance"], np.random.default_rng(0)
    members, trials = [], []
    for i, setting in enumerate(s for s in family.settings for _ in range(3)):
        run = f"run{i}"
        members.append({"run": run, "family": "balance", "setting": setting.label, "value": setting.value,
                        "baseline": setting.baseline, "train_langs": "en+fr"})  # fmt: skip
        for lang, share in (("en", setting.value), ("fr", 1 - setting.value)):
            correct = rng.random(300) < expit(-1 + 2.5 * share)
            trials.append(pd.DataFrame({"run": run, "test": "nf", "lang": lang, "train_langs": "en+fr",
                                        "correct": correct}))  # fmt: skip
    members, trials = pd.DataFrame(members), pd.concat(trials, ignore_index=True)
    slopes = beyond.exposure_slopes(members, trials, family).set_index("lang")
    assert list(slopes.index) == ["en", "fr"] and (slopes.settings == 5).all() and (slopes.runs == 15).all()
    assert (slopes.low > 0).all() and (slopes.low < 0.25).all() and (slopes.high > 0.25).all()  # 2.5 per unit share
    text = Beyond(members, trials, "laptop").exposure_answer(family)
    assert "over all 5 splits" in text and "the more a model trains in EN, the stronger its ME in EN" in text
    assert "the more a model trains in FR, the stronger its ME in FR" in text


@pytest.mark.parametrize("change", [{"also_trained": ("apple", "ball")}, {"languages": ("en", "nl", "hu")}])
def test_a_world_with_added_concepts_or_languages_keeps_every_other_item_byte_identical(tiny_world, tmp_path, change):
    """The vocabulary, injected and language families' worlds: the added items come last, so every item of the
    world without them is the same file; added concepts get the splits they are trained and tested on."""
    import hashlib
    import os

    from vgslib import testing
    from vgslib.sources import miniature

    cfg = testing.tiny_world_config(**change)
    assert (
        cfg.digest() != testing.tiny_world_config().digest() and "also_trained" not in miniature.WorldConfig().to_dict()
    )
    world = miniature.build(cfg, str(tmp_path / "world"), progress=False, num_workers=2)
    digest = lambda m, rel: hashlib.sha256(open(m.path(rel), "rb").read()).hexdigest()  # noqa: E731
    for kind in ("audio", "images"):
        old, new = getattr(tiny_world, kind), getattr(world, kind).set_index("id")
        assert set(old.id) <= set(new.index)
        assert all(digest(tiny_world, r.path) == digest(world, new.loc[r.id, "path"]) for r in old.itertuples())
        added = new[~new.index.isin(old.id)]
        if "languages" in change:
            assert kind == "images" and added.empty or set(added.lang) == {"hu"} and "macska" in set(added.word)
            continue
        assert set(added.split[added.concept == "apple"]) == {"train", "val", "test"}
        assert set(added.split[added.concept == "ball"]) == {"train", "val"}  # its test items stay the novel ones
        assert set(added.concept) == {"apple", "ball"}
    assert os.path.exists(world.path(world.audio.path.iloc[-1]))
    with pytest.raises(ValueError, match="'bear' is neither an added concept"):
        testing.tiny_world_config(also_trained=("bear",))


def test_a_vocabulary_of_its_own_is_declared_checked_and_trained_on(study):
    data_cfg, data = study
    cfg = recipe.make_config("smoke", {"data": data_cfg.to_dict(), "train": {"familiar": list(experiments.CORE)}})
    assert "familiar" not in recipe.make_config("smoke").to_dict()["train"]  # an added field: absent at its default
    d = experiment.load_run_data(cfg, data)
    assert set(d.audio.concept) == set(d.images.concept) == set(experiments.CORE)
    assert set(d.val_trials.concept) | set(d.val_trials.distractor_concept) == set(experiments.CORE)
    default = experiment.load_run_data(recipe.make_config("smoke", {"data": data_cfg.to_dict()}), data)
    assert d.trials.equals(default.trials)  # the stored test trials do not change
    groups = sample_groups(np.arange(len(d.audio)), d.audio, d.images, np.random.default_rng(0))
    assert set(d.images.concept[groups.neg_images.ravel()]) <= set(experiments.CORE)
    assert set(d.audio.concept[groups.neg_audio.ravel()]) <= set(experiments.CORE)
    apple = cfg.replace(train=cfg.train.replace(familiar=(*experiments.CORE, "apple")))
    with pytest.raises(ValueError, match=r"train.familiar names \['apple'\], which have no train items"):
        experiment.load_run_data(apple, data)
    for bad, what in ((["bear", "unicorn"], "unknown concept 'unicorn'"), (["bear"], "at least two"),
                      (["bear", "bear", "cat"], "at least two distinct")):  # fmt: skip
        with pytest.raises(ValueError, match=what):
            recipe.make_config("smoke", {"train": {"familiar": bad}})


def test_a_family_with_a_scope_scores_every_setting_on_the_same_trials():
    from vgslib.results import beyond

    family = experiments.FAMILY["injected"]
    injected, kept = experiments.INJECTED[0], experiments.NEVER_INJECTED[0]
    trials = pd.DataFrame(
        {
            "test": ["nf", "nf", "ff", "nn", "nn"],
            "concept": [injected, kept, "bear", kept, kept],
            "distractor_concept": ["cat", "cat", "dog", injected, experiments.NEVER_INJECTED[1]],
        }
    )
    assert list(beyond.in_scope(trials, family).index) == [1, 2, 4]
    vocabulary = experiments.FAMILY["vocabulary"]
    assert experiments.CORE == ("bear", "boat", "cat", "cow", "elephant", "scissors", "umbrella")
    assert list(beyond.in_scope(trials, vocabulary).index) == [0, 1, 3, 4]  # "ff" bear vs dog: dog is not core
    assert beyond.in_scope(trials, experiments.FAMILY["negatives"]) is trials


def test_the_injected_check_splits_the_injectable_words_by_whether_a_setting_trained_them():
    from vgslib.report.beyond import Beyond
    from vgslib.results import beyond

    family = experiments.FAMILY["injected"]
    rows, trials = [], []
    for setting in family.settings:
        for seed in (0, 1):
            run = f"{setting.value}-{seed}"
            rows.append({"run": run, "family": family.name, "setting": setting.label, "baseline": setting.baseline})
            for word in experiments.INJECTED:
                trained = word in setting.changes.get("train.familiar", ())
                correct = [True] * 9 + [False] if trained else [True, False] * 5  # 90 % trained, 50 % held out
                trials += [{"run": run, "test": "nf", "lang": "en", "concept": word, "correct": c} for c in correct]
    members, trials = pd.DataFrame(rows), pd.DataFrame(trials)
    table = beyond.injected_words(members, trials).set_index(["setting", "words"])
    assert table.loc[("none injected (Table 1)", "held out (novel)"), "mean"] == 0.5
    assert table.loc[("4 injected", "trained in this setting"), "mean"] == pytest.approx(0.9)
    assert table.loc[("4 injected", "held out (novel)"), "mean"] == 0.5
    assert ("8 injected", "held out (novel)") not in table.index and (table.runs == 2).all()
    assert len(Beyond(members, trials, "laptop").injected_words().data) == 4


def test_three_training_languages_and_the_experiment_tag():
    tri = recipe.make_config("laptop", {"train": {"languages": ["en", "fr", "nl"], "experiment": "languages"}})
    assert tri.condition.kind == "trilingual" and not tri.condition.table1  # the tag makes it no Table 1 run
    assert tri.identity() != tri.replace(train=tri.train.replace(experiment="")).identity()
    with pytest.raises(ValueError, match="one, two or three"):
        recipe.make_config("laptop", {"train": {"languages": ["en", "fr", "nl", "de"]}})
    with pytest.raises(ValueError, match="train.experiment 'language' is none of"):
        recipe.make_config("laptop", {"train": {"experiment": "language"}})
    with pytest.raises(ValueError, match="unknown language 'tr'"):
        recipe.make_config("laptop", {"train": {"languages": ["tr"]}})
    with pytest.raises(ValueError, match="'apple' has no word in 'hu'"):
        from vgslib import testing

        testing.tiny_world_config(languages=("en", "hu"), also_trained=("apple",))


def test_translation_similarity_is_largest_for_a_language_with_itself(study):
    from vgslib.results import beyond

    _, data = study
    same, other = beyond.translation_similarity(data, "en", "en"), beyond.translation_similarity(data, "en", "nl")
    assert np.isfinite(other) and same > 0 and same >= other


def test_each_multilingual_model_is_set_against_the_monolingual_model_of_each_tested_language():
    from vgslib.results import beyond

    rng = np.random.default_rng(0)
    accuracy = {("EN", "en"): 0.7, ("NL", "nl"): 0.7, ("EN+NL", "en"): 0.6, ("EN+NL", "nl"): 0.5}
    runs, trials = [], []
    for label in ("EN", "NL", "EN+NL"):
        for seed in range(3):
            run = f"{label}-{seed}"
            runs.append({"run": run, "label": label})
            for lang in label.lower().split("+"):
                correct = rng.random(400) < accuracy[label, lang]
                trials += [{"run": run, "test": "nf", "lang": lang, "correct": c} for c in correct]
    effects = beyond.bilingual_effects(pd.DataFrame(runs), pd.DataFrame(trials)).set_index("tested on")
    assert list(effects.model) == ["EN+NL", "EN+NL"] and (effects.runs == 6).all()
    assert effects.loc["NL", "NF monolingual"] == pytest.approx(0.7, abs=0.04)
    assert effects.loc["NL", "log_odds_ratio"] < effects.loc["EN", "log_odds_ratio"] < 0
    assert effects.loc["NL", "p_holm"] < 0.05
    pairs = beyond.pair_table(effects.reset_index(), {"EN+NL": 0.2})
    assert list(pairs.pair) == ["EN+NL"] and pairs["NF difference"].iloc[0] == pytest.approx(-0.15, abs=0.04)


def test_no_language_runs_make_no_pairs():
    from vgslib.results import beyond

    assert beyond.pair_table(pd.DataFrame(), {}).empty


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
