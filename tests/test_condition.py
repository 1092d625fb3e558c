from vgslib import recipe
from vgslib.condition import Condition


def test_labels_name_what_differs_from_table1():
    base = {"preset": "laptop", "preset_size": "sm"}
    labels = {
        Condition(("en",), **base).label: True,
        Condition(("en", "fr"), links=True, **base).label: False,
        Condition(("en",), anchor_repeats=2, **base).label: False,
        Condition(("en",), size="lg", **base).label: False,
    }
    assert labels == {"en": True, "en+fr links": False, "en 2x": False, "en lg": False}
    assert Condition(("en",), **base).table1 and not Condition(("en",), size="lg", **base).table1
    assert Condition(("en", "fr"), seed=3, **base).run_id == "en+fr seed3 laptop"


def test_kinds():
    assert Condition(("en", "fr"), links=True).kind == "bilingual + links"
    assert Condition(("en", "fr")).kind == "bilingual"
    assert Condition(("en",), anchor_repeats=2).kind == "monolingual 2x"
    assert Condition(("nl",)).kind == "monolingual"


def test_a_config_names_its_run_as_before():
    """Run folder names are part of the interface: existing runs and the book's links rely on them."""
    cfg = recipe.make_config("laptop", {"train": {"languages": ["en", "fr"], "links": True, "seed": 3}})
    assert cfg.condition.run_name == "en+fr-links-sm-laptop-seed3"
    cfg = recipe.make_config("laptop", {"train": {"languages": ["en"], "anchor_repeats": 2}, "model": {"size": "lg"}})
    assert cfg.condition.run_name == "en-2x-lg-laptop-seed0" and cfg.condition.label == "en 2x lg"
    named = recipe.make_config("smoke", {"name": "mine"})
    assert named.condition.run_name == "mine-smoke-seed0"


def test_the_record_round_trips_through_json():
    import json

    c = recipe.make_config("paper", {"train": {"languages": ["fr", "nl"], "seed": 2}}).condition
    again = Condition.from_dict(json.loads(json.dumps(c.to_dict())))
    assert again == c and again.columns() == c.columns() and again.table1
