"""The beyond-the-paper families: their declaration, and one smoke run of every family."""

import json
import os

import numpy as np
import pytest

from vgslib import experiments, recipe, runs
from vgslib.jobs import grid
from vgslib.params import TrainParams
from vgslib.training import experiment
from vgslib.training.groups import sample_groups


def _config(params: dict) -> recipe.RunConfig:
    return TrainParams(**TrainParams.validate(params)).to_config()


def _record(cfg: recipe.RunConfig) -> dict:
    """What a run directory records of its config (as `runs.open_run` writes it)."""
    return {**cfg.to_dict(), "digest": cfg.digest(), "identity": cfg.identity(), "condition": cfg.condition.to_dict()}


@pytest.mark.parametrize("family", experiments.FAMILIES + experiments.INGREDIENTS, ids=lambda f: f.name)
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
    extra = sum(len(f.conditions) * (len(f.settings) - 1) * len(experiments.SEEDS) for f in experiments.EVERY)
    # The features family's English log-mel and pixel runs are the encoders family's: trained once.
    shared = 2 * len(experiments.SEEDS)
    assert len(conds) == len(grid.conditions("controls", "laptop")) + extra - shared == 30 + 30 + extra - shared
    assert len({grid.train_run_dir(c) for c in conds}) == len(conds)
    encoders, features = experiments.FAMILY["encoders"], experiments.FAMILY["features"]
    same = {s.label for s in features.settings} & {s.label for s in encoders.settings}
    assert same == {"log-mel audio", "pixel images"}
    full = {grid.train_run_dir(c) for c in grid.conditions("full", "laptop")}
    assert {grid.train_run_dir(c) for c in conds} <= full


def test_the_ingredients_are_families_of_the_experiments_grid_and_can_be_trained_alone():
    """The ingredient families are named like every family: the experiments grid holds them, and naming one
    trains its runs only (beside the default grid's)."""
    names = [f.name for f in experiments.INGREDIENTS]
    assert experiments.select(",".join(names)) == experiments.INGREDIENTS
    assert not set(names) & {f.name for f in experiments.FAMILIES}
    default = {grid.train_run_dir(c) for c in grid.conditions("experiments", "laptop")}
    asked = grid.conditions("experiments", "laptop", families=experiments.select("voices"))
    voices = {grid.train_run_dir(c) for c in asked} - {
        grid.train_run_dir(c) for c in grid.conditions("controls", "laptop")
    }
    assert len(voices) == 2 * 3 * len(experiments.SEEDS) and voices <= default
    beyond = {grid.train_run_dir(c) for c in grid.conditions("experiments", "laptop", families=experiments.FAMILIES)}
    assert not voices & beyond


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


def _one_setting_per_kind_of_change() -> list:
    """Of every family, the first setting of each kind of change (what it changes, not by how much)."""
    picked = {}
    for f in experiments.FAMILIES + experiments.INGREDIENTS:
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
    if tuple(setting.changes.get("data.world.languages", ())) == tuple(world):  # the ingredients' EN+NL world:
        base["data"]["world"]["languages"] = [*world, "fr"]  # its Table 1 run's world holds French too
    params = experiments.train_params(setting)
    overrides = {k.removesuffix("_overrides"): json.loads(v) for k, v in params.items() if k.endswith("_overrides")}
    if "size" in params:  # the width family: the notebook's own parameter, against a Table 1 run of width 128
        base["model"], overrides["model"] = {"size": "sm"}, {"size": params["size"]}
    table1 = recipe.make_config("smoke", base)
    cfg = recipe.make_config("smoke", recipe.merge(base, overrides))
    run = runs.load_run(experiment.run(cfg, str(tmp_path / "run"), progress=False))
    tested = cfg.train.languages[0]
    assert run["complete"] and run["trials"] is not None and np.isfinite(run["done"][f"nf_{tested}"])
    assert experiments.setting_of(family, run["config"], _record(table1)) == setting


@pytest.mark.parametrize("change", [{"also_trained": ("apple", "ball")}, {"languages": ("en", "nl", "hu")}])
def test_a_world_with_added_concepts_or_languages_keeps_every_other_item_byte_identical(tiny_world, tmp_path, change):
    """The vocabulary, injected and language families' worlds: the added items come last, so every item of the
    world without them is the same file; added concepts get the splits they are trained and tested on."""
    import hashlib

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


def test_the_width_is_the_notebooks_size_parameter_and_a_width_run_is_no_table1_run():
    width = experiments.FAMILY["width"]
    wide = next(s for s in width.settings if s.value == 256)
    assert experiments.train_params(wide) == {"size": "md"}
    cfg = _config({"train_languages": "nl", "preset": "laptop", "seed": 2, **experiments.train_params(wide)})
    assert cfg.model.size == "md" and not cfg.condition.table1 and cfg.condition.run_name == "nl-md-laptop-seed2"
    with pytest.raises(ValueError, match=r"only train\.\*, data\.\*, model\.size"):
        experiments.train_params(experiments.Setting("x", 1, {"model.scale": 10}))


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
