import numpy as np
import pandas as pd

from vgslib import plots, results


def _trials(rng, runs):
    rows = []
    for run, train_langs, seed, p in runs:
        for lang in train_langs.split("+"):
            for test in ("ff", "nf"):
                for concept in ("dog", "ball"):
                    for correct in rng.random(40) < p:
                        rows.append(
                            {
                                "run": run,
                                "train_langs": train_langs,
                                "seed": seed,
                                "lang": lang,
                                "test": test,
                                "concept": concept,
                                "correct": bool(correct),
                            }
                        )
    return pd.DataFrame(rows)


def test_accuracy_by_condition_pools_seeds_and_tests_chance():
    rng = np.random.default_rng(0)
    trials = _trials(rng, [("a", "en", 0, 0.9), ("b", "en", 1, 0.9), ("c", "en+fr", 0, 0.5)])
    acc = results.accuracy_by_condition(trials)
    en = acc[(acc.train_langs == "en") & (acc.test == "nf")].iloc[0]
    assert en.seeds == 2 and en.n_trials == 160 and en.p_vs_chance < 1e-6
    assert set(acc[acc.train_langs == "en+fr"].lang) == {"en", "fr"}
    words = results.per_word(trials)
    assert set(words.concept) == {"dog", "ball"} and words.accuracy.between(0, 1).all()


def test_first_results_picks_one_preset_and_seed_zero():
    summary = pd.DataFrame(
        {
            "run": list("abcdefg"),
            "seed": [0, 1, 0, 0, 0, 0, 0],
            "links": [False, False, True, False, False, False, False],
            "anchor_repeats": [1, 1, 1, 2, 1, 1, 1],
            "size": ["sm"] * 4 + ["3d", "lg", "md"],  # laptop's size is sm
            "preset": ["laptop"] * 6 + ["smoke"],
        }
    )
    assert list(results.first_results(summary).run) == ["a"]


def test_charts_are_valid_vega_lite():
    rng = np.random.default_rng(1)
    trials = _trials(rng, [("a", "en", 0, 0.8)])
    heat = plots.word_heatmap(results.per_word(trials), "t").to_dict()
    assert heat["mark"]["type"] == "rect" if isinstance(heat["mark"], dict) else heat["mark"] == "rect"
    metrics = pd.DataFrame(
        {
            "run": "a",
            "train_langs": "en",
            "seed": 0,
            "epoch": [0, 1],
            "ff_en": [0.5, 0.9],
            "nf_en": [0.5, 0.6],
            "val_loss": [2.0, 1.0],
        }
    )
    spec = plots.curves_chart(results.curves(metrics), metrics).to_dict()
    assert "vconcat" in spec
    html = plots._offline_renderer(spec)["text/html"]
    assert "vegaEmbed(" in html and "cdn" not in html.lower()


def test_embedding_map_compiles_with_vega_lite():
    import vl_convert

    points = pd.DataFrame(
        {
            "x": np.arange(6.0),
            "y": np.arange(6.0),
            "group": ["familiar"] * 3 + ["novel"] * 3,
            "concept": ["dog", "cat", "dog", "ball", "cup", "ball"],
            "modality": ["audio", "image"] * 3,
        }
    )
    chart = plots.scatter_2d(points, "map")
    assert vl_convert.vegalite_to_svg((chart | chart).to_dict()).startswith("<svg")
