import numpy as np
import pandas as pd

from vgslib.report import charts
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
    html = charts._offline_renderer(spec)["text/html"]
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
    chart = charts.scatter_2d(points, "map")
    assert vl_convert.vegalite_to_svg((chart | chart).to_dict()).startswith("<svg")
