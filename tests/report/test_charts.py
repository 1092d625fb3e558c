import numpy as np
import pandas as pd

from vgslib.report import charts, vega
from vgslib.results import tables
from vgslib.testing import fake_trials


def test_charts_are_valid_vega_lite():
    rng = np.random.default_rng(1)
    trials = fake_trials(rng, [("a", "en", 0, 0.8)])
    heat = charts.word_heatmap(tables.per_word(trials), "t").to_dict()
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
    spec = charts.curves_chart(tables.curves(metrics), metrics).to_dict()
    assert "vconcat" in spec
    charts.use_book_theme()  # a page starts: figure numbers restart
    html = vega._offline_renderer(spec)["text/html"]
    assert "vegaEmbed(" in html and "cdn" not in html.lower()
    second = vega._offline_renderer(spec)["text/html"]  # the page's second figure: its own id
    charts.use_book_theme()  # the same page built again: the same bytes (the book is reproducible)
    assert vega._offline_renderer(spec)["text/html"] == html != second


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
    chart = charts.scatter_2d(points, "map")
    assert vl_convert.vegalite_to_svg((chart | chart).to_dict()).startswith("<svg")


def test_the_calibration_section_reads_the_benchmark_and_flags_misses(tmp_path, monkeypatch):
    from vgslib.report import statistics

    rows = []
    for scenario, effect in (("null", 0.0), ("effect", -0.3)):
        for estimator, coverage, rate in (("glmm", 0.95, 0.04), ("laplace", 0.85, 0.12), ("gee", 0.94, 0.05)):
            rate = rate if effect == 0 else 0.5
            rows.append({"scenario": scenario, "estimator": estimator, "effect": effect, "studies": 200,
                         "coverage": coverage, "rate_p_below_0.05": rate, "bias": 0.0, "se_ratio": 1.0,
                         "seconds per study": 1.0, "commit": "abc"})  # fmt: skip
    path = tmp_path / "calibration.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    monkeypatch.setattr(statistics, "CALIBRATION", str(path))
    table, numbers = statistics.calibration()
    assert numbers["cal_glmm_fpr_max"] == 4.0 and numbers["cal_laplace_fpr_max"] == 12.0
    assert numbers["cal_glmm_cov_min"] == numbers["cal_glmm_cov_max"] == 95.0 and numbers["cal_studies"] == "200"
    assert table.coverage_ok.tolist() == [True, False, True] * 2
    spec = charts.calibration_chart(table, (0.93, 0.97), 0.06).to_dict()
    assert len(spec["vconcat"]) == 2  # stacked: side by side they overflow the page
    assert "no calibration rows yet" in statistics.paired_calibration(table)
    paired = pd.DataFrame([{**rows[0], "scenario": "paired null", "estimator": "glmm-paired", "studies": 100,
                            "coverage": 0.96, "rate_p_below_0.05": 0.03},
                           {**rows[0], "scenario": "paired effect", "estimator": "glmm-paired", "studies": 100,
                            "effect": 0.3, "coverage": 0.94, "rate_p_below_0.05": 0.61}])  # fmt: skip
    text = statistics.paired_calibration(pd.concat([table, paired], ignore_index=True))
    assert "(100 studies per scenario)" in text and "94.0 %–96.0 %" in text and "p < 0.05 in 3.0 %" in text
    assert "log odds ratio of +0.3 it found the effect in 61.0 %" in text
    paired.loc[1, "studies"] = 40
    text = statistics.paired_calibration(paired)
    assert "(100 studies without an effect, 40 studies at +0.3)" in text
    monkeypatch.setattr(statistics, "CALIBRATION", str(tmp_path / "missing.csv"))
    empty, numbers = statistics.calibration()  # a missing file: the page says how to make it
    assert empty.empty and "bench_calibration" in numbers["cal_note"] and np.isnan(numbers["cal_glmm_fpr_max"])


def test_learning_curves_give_each_panel_its_own_runs():
    import vl_convert

    metrics = pd.DataFrame({"run": ["a", "a", "b", "b"], "train_langs": ["en", "en", "fr", "fr"], "seed": 0,
                            "epoch": [0, 1, 0, 1], "ff_en": [0.5, 0.9, 0.5, 0.7], "nf_en": [0.5, 0.6, 0.5, 0.4],
                            "ff_fr": [0.5, 0.8, 0.5, 0.95], "nf_fr": [0.5, 0.55, 0.5, 0.65],
                            "val_loss": [2.0, 1.0, 2.0, 1.5]})  # fmt: skip
    spec = charts.curves_chart(tables.curves(metrics), metrics).to_dict()
    faceted = next(part for part in spec["vconcat"] if "facet" in part)
    assert "data" in faceted  # the facet holds the rows and splits them by condition and test language
    assert all("data" not in layer for layer in faceted["spec"]["layer"])  # no layer brings every row back
    assert vl_convert.vegalite_to_svg(spec).startswith("<svg")
