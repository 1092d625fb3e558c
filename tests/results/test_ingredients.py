"""The ingredient families' learned ME, the pre-declared adoption rule and the per-language look at the words."""

import numpy as np
import pandas as pd
import pytest

from vgslib import experiments
from vgslib.results import ingredients


def _planted(gain: dict, seeds=range(5), untrained_p=0.5, seed_shift=None, rng_seed=7):
    """Members and trials of the length family in Dutch: each setting's trained NF probability per `gain`, the
    untrained start `untrained_p` (+ an optional per-seed shift shared by both states of a seed)."""
    family, rng = experiments.FAMILY["length"], np.random.default_rng(rng_seed)
    members, trained, untrained = [], [], []
    for setting in family.settings:
        for seed in seeds:
            run = f"{setting.value}-{seed}"
            shift = seed_shift[seed] if seed_shift else 0.0
            members.append({"run": run, "family": family.name, "setting": setting.label, "value": setting.value,
                            "baseline": setting.baseline, "seed": seed, "train_langs": "nl"})  # fmt: skip
            for table, p in ((trained, gain[setting.label] + shift), (untrained, untrained_p + shift)):
                table.append(pd.DataFrame({"run": run, "test": "nf", "lang": "nl",
                                           "concept": np.tile(["a", "b", "c", "d"], 500),
                                           "correct": rng.random(2000) < p}))  # fmt: skip
    cat = lambda parts: pd.concat(parts, ignore_index=True)  # noqa: E731
    return family, pd.DataFrame(members), cat(trained), cat(untrained)


def test_learned_points_are_each_runs_trained_minus_its_own_untrained_accuracy():
    family, members, trained, untrained = _planted({"7 epochs": 0.5, "21 epochs (Table 1)": 0.6, "63 epochs": 0.7})
    points = ingredients.learned_points(members, trained, untrained, family)
    assert len(points) == 15 and set(points.setting) == {s.label for s in family.settings}
    row = points[points.run == "63-2"].iloc[0]
    expect = 100 * (trained[trained.run == "63-2"].correct.mean() - untrained[untrained.run == "63-2"].correct.mean())
    assert row.learned == pytest.approx(expect) and row.seed == 2
    summary = ingredients.learned_summary(points, family)
    assert list(summary.setting) == [s.label for s in family.settings]  # the declared order
    assert summary.set_index("setting").loc["63 epochs", "mean"] == pytest.approx(20, abs=3)
    assert ingredients.learned_points(members, trained, untrained.iloc[0:0], family).empty


def test_learned_difference_pairs_by_seed_so_a_shared_seed_effect_cancels():
    """A per-seed shift shared by the setting's and the default's runs of that seed (their common start) is
    large against the planted difference; paired by seed it cancels: +10 points is found, no change is not."""
    shift = {0: -0.15, 1: -0.05, 2: 0.0, 3: 0.05, 4: 0.15}
    family, members, trained, untrained = _planted(
        {"7 epochs": 0.6, "21 epochs (Table 1)": 0.6, "63 epochs": 0.7}, seed_shift=shift
    )
    points = ingredients.learned_points(members, trained, untrained, family)
    table = ingredients.learned_difference(points, family).set_index("setting")
    assert set(table.index) == {"7 epochs", "63 epochs"} and (table.seeds == 5).all()
    assert table.loc["63 epochs", "low"] > 0 and table.loc["63 epochs", "p_holm"] < 0.05
    assert table.loc["63 epochs", "difference"] == pytest.approx(10, abs=3)
    assert table.loc["7 epochs", "low"] < 0 < table.loc["7 epochs", "high"]
    assert (table.p_holm >= table.p).all()


def test_learned_difference_needs_two_seeds_in_both_settings():
    family, members, trained, untrained = _planted({"7 epochs": 0.5, "21 epochs (Table 1)": 0.6, "63 epochs": 0.7},
                                                   seeds=range(1))  # fmt: skip
    points = ingredients.learned_points(members, trained, untrained, family)
    assert ingredients.learned_difference(points, family).empty


def _losses(family, default: list[float], candidate: list[float], langs=("en", "nl")):
    rows = []
    for lang in langs:
        for seed, (d, c) in enumerate(zip(default, candidate)):
            rows += [{"run": f"{lang}-d{seed}", "family": family.name, "setting": "64 voices (Table 1)",
                      "train_langs": lang, "seed": seed, "best_val_loss": d},
                     {"run": f"{lang}-c{seed}", "family": family.name, "setting": "256 voices",
                      "train_langs": lang, "seed": seed, "best_val_loss": c}]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_adoption_rule_counts_seeds_with_lower_validation_loss_in_every_language():
    voices = experiments.FAMILY["voices"]
    lower = ingredients.adoption(_losses(voices, [1.0] * 5, [0.9, 0.9, 0.9, 0.9, 1.1]), voices)
    assert lower["decided"] and lower["adopt"] and lower["per_language"]["nl"] == {"seeds": 5, "lower": 4}
    three = ingredients.adoption(_losses(voices, [1.0] * 5, [0.9, 0.9, 0.9, 1.1, 1.1]), voices)
    assert three["decided"] and not three["adopt"]
    one_language = _losses(voices, [1.0] * 5, [0.9] * 5, langs=("en",))
    undecided = ingredients.adoption(one_language, voices)  # Dutch untrained: no decision
    assert not undecided["decided"] and not undecided["adopt"]
    assert ingredients.adoption(one_language, experiments.FAMILY["tokens"]) is None  # never adopted from


class _Features:
    def __init__(self, pooled):
        self.pooled = pooled

    def mean_pooled(self):
        return self.pooled


class _Prepared:
    """Frozen test features of two languages, planted: 3 familiar words on orthogonal axes; English's 4 novel
    words on axes of their own (like no familiar word), Dutch's each on a familiar word's axis (like one)."""

    def __init__(self, rng):
        from vgslib.sources import concepts

        self.familiar, self.novel = list(concepts.FAMILIAR_NAMES[:3]), list(concepts.TESTED_NOVEL_NAMES[:4])
        self.audio, self._labels, rows = {}, {}, []
        for lang in ("en", "nl"):
            vectors, labels = [], []
            for i, word in enumerate(self.familiar + self.novel):
                axis = i if (word in self.familiar or lang == "en") else self.familiar.index(self.familiar[i % 3])
                for _ in range(6):
                    v = np.zeros(12)
                    v[axis] = 1.0
                    vectors.append(v + 0.05 * rng.standard_normal(12))
                    labels.append(word)
                    rows.append({"lang": lang, "concept": word, "split": "test", "start": 0.0,
                                 "end": 0.5 if lang == "en" else 0.8})  # fmt: skip
            self.audio[("test", lang)] = _Features(np.array(vectors))
            self._labels[lang] = pd.Series(labels)
        self.manifest = type("Manifest", (), {"audio": pd.DataFrame(rows)})()

    def labels(self, modality, split, lang=None):
        return self._labels[lang]


def _table1_trials(prepared, rng):
    """Table 1 monolingual trials: English NF 0.5 -> 0.8 with training, Dutch 0.5 -> 0.5; FF 0.9."""
    trained, untrained = [], []
    for lang, gain in (("en", 0.8), ("nl", 0.5)):
        for seed in range(3):
            run = f"{lang}-{seed}"
            for table, p in ((trained, gain), (untrained, 0.5)):
                nf = pd.DataFrame({"concept": np.repeat(prepared.novel, 100), "test": "nf"})
                nf["correct"] = rng.random(len(nf)) < p
                ff = pd.DataFrame({"concept": np.repeat(prepared.familiar, 100), "test": "ff"})
                ff["correct"] = rng.random(len(ff)) < 0.9
                table.append(pd.concat([nf, ff]).assign(run=run, lang=lang, train_langs=lang, table1=True))
    return pd.concat(trained, ignore_index=True), pd.concat(untrained, ignore_index=True)


def test_the_words_and_languages_read_what_was_planted():
    rng = np.random.default_rng(3)
    prepared = _Prepared(rng)
    trained, untrained = _table1_trials(prepared, rng)
    words = ingredients.word_table(prepared, trained, untrained)
    assert len(words) == 8 and set(words.lang) == {"en", "nl"}
    by = words.groupby("lang")
    assert by.similarity.mean()["nl"] > 0.9 > 0.2 > by.similarity.mean()["en"]  # planted likeness
    assert by.learned.mean()["en"] == pytest.approx(30, abs=5) and by.learned.mean()["nl"] == pytest.approx(0, abs=5)
    assert by.seconds.mean().to_dict() == pytest.approx({"en": 0.5, "nl": 0.8})
    profile = ingredients.language_profile(words, prepared, trained).set_index("lang")
    assert profile.loc["nl", "novel similarity"] > profile.loc["en", "novel similarity"]
    assert profile.loc["en", "nearest_centroid"] == 1.0 and abs(profile.loc["en", "familiar_between"]) < 0.1
    assert profile.loc["en", "token_to_own"] > 0.95 and profile.loc["nl", "accents"] == 1
    assert profile.loc["en", "ff trained"] == pytest.approx(90, abs=3)
    relation = ingredients.similarity_and_learning(words)
    pooled = relation[relation.lang == "pooled"].iloc[0]
    assert np.isfinite(pooled.slope) and set(relation.lang) == {"en", "nl", "pooled"}
    assert ingredients.word_table(prepared, trained.iloc[0:0], untrained).empty


def test_rerendered_counts_the_recordings_a_world_renders_anew(tiny_world, tmp_path):
    from vgslib import testing
    from vgslib.sources import miniature

    assert ingredients.rerendered(tiny_world.root, tiny_world.root, "nl") == {"compared": 52, "differ": 0, "share": 0.0}
    # English left out: every Dutch word's synthesis batch starts elsewhere, so Dutch words are spoken anew
    dutch = miniature.build(testing.tiny_world_config(languages=("nl",)), str(tmp_path / "nl"), progress=False)
    r = ingredients.rerendered(tiny_world.root, dutch.root, "nl")
    assert r["compared"] == 52 and 0 < r["differ"] <= 52 and r["share"] == r["differ"] / 52
    assert ingredients.rerendered(tiny_world.root, dutch.root, "en")["compared"] == 0
    assert ingredients.rerendered(tiny_world.root, str(tmp_path / "not built"), "nl") is None
