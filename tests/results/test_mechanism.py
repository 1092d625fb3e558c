"""The per-run mechanism analyses on synthetic embeddings whose geometry is known."""

import numpy as np
import pandas as pd
import pytest

from vgslib.results import mechanism
from vgslib.results.mechanism import FAMILIAR, NOVEL


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def clustered(rng, centres: np.ndarray, per_class: int, noise: float) -> np.ndarray:
    """(classes * per_class, dim) unit vectors scattered around each centre."""
    return unit(
        np.repeat(centres, per_class, 0) + noise * rng.standard_normal((len(centres) * per_class, centres.shape[1]))
    )


def labels(per_familiar: int, per_novel: int) -> np.ndarray:
    return np.array([c for c in FAMILIAR for _ in range(per_familiar)] + [c for c in NOVEL for _ in range(per_novel)])


def test_in_between_sits_at_its_null_for_random_embeddings():
    lab = labels(20, 10)
    results = [mechanism.in_between(unit(np.random.default_rng(s).standard_normal((len(lab), 16))), lab, seed=s)
               for s in range(20)]  # fmt: skip
    between = np.array([r["between"] for r in results])
    inside = [r["null_low"] <= r["between"] <= r["null_high"] for r in results]
    assert abs(between.mean()) < 0.01  # margins of exchangeable items agree on average
    assert np.mean(inside) >= 0.85  # the 95 % null band holds the observed value (up to chance)
    assert np.mean([r["p"] < 0.05 for r in results]) <= 0.15


def test_in_between_finds_novel_items_planted_between_two_familiar_clusters():
    rng = np.random.default_rng(0)
    centres = unit(rng.standard_normal((len(FAMILIAR), 32)))
    familiar = clustered(rng, centres, 20, 0.15)
    pairs = rng.choice(len(FAMILIAR), size=(len(NOVEL), 2), replace=True)
    pairs[:, 1] = (pairs[:, 0] + 1 + pairs[:, 1] % (len(FAMILIAR) - 1)) % len(FAMILIAR)  # two different clusters
    novel = clustered(rng, unit(centres[pairs[:, 0]] + centres[pairs[:, 1]]), 10, 0.15)
    r = mechanism.in_between(np.concatenate([familiar, novel]), labels(20, 10))
    assert r["between"] < -0.2 and r["between"] < r["null_low"] and r["p"] < 0.01
    assert r["nearest_novel"] > 0.4  # near the familiar region, just not inside one cluster


def synthetic_run(rng, cone: float, image_noise: float, novel_word_to_own: float) -> dict:
    """Embeddings shaped like `geometry.run_embeddings`: pictures of every concept around one direction each,
    the familiar directions leaning by `cone` towards one shared direction (larger: packed more tightly) with
    spread `image_noise`; English words near their concept's picture direction, novel words mixed with
    `novel_word_to_own` of their own picture direction (0: no relation to their referent)."""
    dim, names, nf = 32, FAMILIAR + NOVEL, len(FAMILIAR)
    centres = unit(rng.standard_normal((len(names), dim)))
    centres[:nf] = unit(centres[:nf] + cone * unit(rng.standard_normal(dim)))
    noise = np.repeat([image_noise] * nf + [0.3] * len(NOVEL), 8)[:, None]
    image_emb = unit(np.repeat(centres, 8, 0) + noise * rng.standard_normal((8 * len(names), dim)))
    words = centres.copy()
    words[nf:] = unit(novel_word_to_own * centres[nf:] + rng.standard_normal((len(NOVEL), dim)))
    return {
        "audio": pd.DataFrame({"concept": np.repeat(names, 6), "lang": "en"}),
        "audio_emb": clustered(rng, words, 6, 0.3),
        "images": pd.DataFrame({"concept": np.repeat(names, 8)}),
        "image_emb": image_emb,
    }


def test_a_planted_variance_difference_and_referent_are_recovered():
    rng = np.random.default_rng(1)
    tight, loose = synthetic_run(rng, 2.0, 0.1, 0.0), synthetic_run(rng, 0.2, 0.4, 3.0)
    qt, ql = mechanism.run_quantities(tight, "en"), mechanism.run_quantities(loose, "en")
    assert qt["var_img_fam"] < ql["var_img_fam"] - 0.2
    assert qt["var_img_fam_within"] < ql["var_img_fam_within"]
    assert abs(qt["referent"]) < 0.05  # novel words unrelated to their referents: NN ≈ NN′
    assert ql["referent"] > 0.1  # novel words near their own pictures
    assert set(mechanism.QUANTITIES) <= set(qt)


def test_predicts_nf_recovers_a_planted_slope_and_not_a_null_one():
    rng = np.random.default_rng(2)
    rows = []
    for c, lang in enumerate(["en", "fr", "nl", "en", "fr", "nl"]):
        shift = rng.normal(0, 5.0)  # the condition's own level: absorbed, it cannot make or hide the slope
        for seed in range(5):
            var = rng.normal(0.3, 0.03)
            nf = (60 + shift - 100 * (var - 0.3) + rng.normal(0, 1)) / 100
            rows.append({"run": f"c{c}-s{seed}", "condition": f"c{c}", "lang": lang, "var_img_fam": var,
                         "gap": rng.normal(1, 0.1), "nf": nf})  # fmt: skip
    table = pd.DataFrame(rows)
    fit = mechanism.predicts_nf(table, ["var_img_fam", "gap"]).set_index("quantity")
    within = table.var_img_fam - table.groupby("condition").var_img_fam.transform("mean")
    true_slope = -100 * np.sqrt((within**2).sum() / (len(table) - 6))  # points per within-condition SD
    assert fit.loc["var_img_fam", "low"] < true_slope < fit.loc["var_img_fam", "high"]
    assert fit.loc["var_img_fam", "high"] < 0 and fit.loc["var_img_fam", "p"] < 0.001
    assert fit.loc["gap", "low"] < 0 < fit.loc["gap", "high"]


def test_a_quantity_that_shares_a_term_with_nf_is_never_tested_as_a_predictor():
    table = pd.DataFrame({"run": ["a"], "condition": ["c"], "lang": ["en"], "nf": [0.6], "me_margin": [0.1]})
    for test in (mechanism.predicts_nf, mechanism.between_conditions):
        with pytest.raises(ValueError, match="share a term with the NF outcome"):
            test(table, ["me_margin"])
    assert not set(mechanism.PREDICTORS) & set(mechanism.DESCRIPTIVE)
    assert set(mechanism.PREDICTORS) | set(mechanism.DESCRIPTIVE) == set(mechanism.QUANTITIES)


def conditions_table(rng, slope_between: float, conditions: int = 8) -> pd.DataFrame:
    """Runs of `conditions` conditions, each tested on en and fr (cells of one condition share runs): a condition's
    familiar-picture variance moves its NF by `slope_between` points per 0.01; the gap is unrelated to NF;
    seeds add noise within conditions that no between-condition slope should take for a mechanism."""
    rows = []
    for c in range(conditions):
        var_c = rng.normal(0.3, 0.02)
        for seed in range(5):
            for lang, level in (("en", 55.0), ("fr", 60.0)):
                var = var_c + rng.normal(0, 0.005)
                nf = level + slope_between * (var_c - 0.3) / 0.01 + rng.normal(0, 1.0)
                rows.append({"run": f"c{c}-s{seed}", "condition": f"c{c}", "lang": lang, "var_img_fam": var,
                             "gap": rng.normal(1, 0.1), "nf": nf / 100})  # fmt: skip
    return pd.DataFrame(rows)


def test_between_conditions_recovers_a_planted_condition_slope_and_not_a_null_one():
    fit = mechanism.between_conditions(conditions_table(np.random.default_rng(3), 2.0)).set_index("quantity")
    assert fit.loc["var_img_fam", "low"] > 0 and fit.loc["var_img_fam", "p_holm"] < 0.05
    assert fit.loc["gap", "p"] > 0.05 and fit.loc["var_img_fam", "conditions"] == 8
    null = mechanism.between_conditions(conditions_table(np.random.default_rng(4), 0.0)).set_index("quantity")
    assert null.loc["var_img_fam", "p_holm"] > 0.05


def test_between_conditions_false_positives_stay_near_the_level():
    """Under no relation between a condition's quantity and its NF the permutation test rejects ~5 %."""
    rejections = [
        mechanism.between_conditions(conditions_table(np.random.default_rng(100 + k), 0.0), ["var_img_fam"],
                                     permutations=200).p.iloc[0] < 0.05
        for k in range(60)
    ]  # fmt: skip
    assert sum(rejections) <= 9  # P(X >= 10 | n=60, p=0.05) < 0.5 %


def test_step_matched_compares_at_the_largest_common_step_count():
    rows = []
    for seed in range(3):
        for epoch in range(5):  # monolingual: 10 steps per epoch; NF rises 1 point per epoch
            nf = 0.5 + 0.01 * epoch + 0.001 * seed
            rows.append({"run": f"m{seed}", "condition": "en", "train_langs": "en", "kind": "monolingual",
                         "seed": seed, "epoch": epoch, "steps": 10 * (epoch > 0), "nf_en": nf})  # fmt: skip
        for epoch in range(3):  # bilingual: 20 steps per epoch; 3 points per epoch
            nf = 0.5 + 0.03 * epoch + 0.001 * seed
            rows.append({"run": f"b{seed}", "condition": "en+fr", "train_langs": "en+fr", "kind": "bilingual",
                         "seed": seed, "epoch": epoch, "steps": 20 * (epoch > 0),
                         "nf_en": nf, "nf_fr": 0.6})  # fmt: skip
    curves = mechanism.nf_by_steps(pd.DataFrame(rows))
    assert curves[(curves.run == "b0") & (curves.epoch == 2)].steps.iloc[0] == 40
    table = mechanism.step_matched(curves).set_index("when")
    assert table.loc["equal steps", "steps"] == 40  # bilingual epoch 2 against monolingual epoch 4
    assert table.loc["equal steps", "epochs (bi / mono)"] == "2 / 4"
    assert table.loc["equal steps", "difference"] == pytest.approx(6 - 4)
    assert table.loc["untrained", "difference"] == pytest.approx(0)


class FakeFeatures:
    def __init__(self, x):
        self.x = x

    def mean_pooled(self):
        return self.x


class FakePrepared:
    """Mean-pooled test features of one language: novel word k is a near-copy of familiar word k (k < 3)."""

    def __init__(self, rng):
        self.names = FAMILIAR + NOVEL
        base = rng.standard_normal((len(self.names), 24))
        base[len(FAMILIAR) : len(FAMILIAR) + 3] = base[:3] + 0.05 * rng.standard_normal((3, 24))
        self.lab = np.repeat(self.names, 4)
        self.audio = {
            ("test", "en"): FakeFeatures(np.repeat(base, 4, 0) + 0.01 * rng.standard_normal((4 * len(self.names), 24)))
        }

    def labels(self, modality, split, lang):
        return pd.Series(self.lab)


def test_word_similarity_names_the_sound_alike_and_the_model_sees_a_planted_effect():
    sim = mechanism.novel_word_similarity(FakePrepared(np.random.default_rng(3)), "en").set_index("concept")
    assert list(sim.loc[NOVEL[:3], "nearest familiar"]) == FAMILIAR[:3]
    assert (sim.loc[NOVEL[:3], "similarity"] > 0.95).all() and (sim.loc[NOVEL[3:], "similarity"] < 0.9).all()
    rng = np.random.default_rng(4)
    words = pd.DataFrame([{"lang": lang, "concept": w, "similarity": s} for lang in ("en", "fr") for w, s in
                          zip(NOVEL, rng.uniform(0.5, 1, len(NOVEL)))])  # fmt: skip
    words["nf"] = 0.9 - 0.5 * words.similarity + rng.normal(0, 0.01, len(words))
    out = mechanism.similarity_explains(words)
    assert out["high"] < 0 and out["p"] < 0.001 and out["words"] == 2 * len(NOVEL)
