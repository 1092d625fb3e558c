import os

import pytest

from vgslib import recipe


def test_preset_departures_are_listed():
    rows = {r["setting"]: r for r in recipe.departures("laptop")}
    assert rows["model.size"]["paper"] == "md" and rows["model.size"]["laptop"] == "sm"
    assert all(r["why"] for r in rows.values())


def test_presets_are_overrides_of_the_papers_recipe():
    paper, laptop = recipe.make_config("paper"), recipe.make_config("laptop")
    assert paper == recipe.RunConfig(preset="paper") and laptop.model.size == "sm"
    assert laptop.train.batch_groups == paper.train.batch_groups  # what the preset leaves alone stays the paper's


def test_the_classroom_preset_is_the_laptop_sweeps_shortest_schedule_and_its_evidence_holds():
    """The classroom preset changes only the schedule and the threads of `laptop`; its epochs are a candidate
    of the committed validation sweep whose last epoch reaches the stated validation FF in every condition."""
    import pandas as pd

    from vgslib.report.model import LAPTOP_SCHEDULE

    laptop, classroom = recipe.make_config("laptop").to_dict(), recipe.make_config("classroom").to_dict()
    changed = {k for k in laptop["train"] if laptop["train"][k] != classroom["train"][k]}
    assert changed == {"epochs", "warmup_epochs", "threads"}
    assert laptop["model"] == classroom["model"] and laptop["data"] == classroom["data"]
    epochs = classroom["train"]["epochs"]
    sweep = pd.read_csv(LAPTOP_SCHEDULE)
    runs = sweep[(sweep.epochs == epochs) & (sweep.lr == classroom["train"]["lr"])]
    assert set(runs.condition) == {"en", "fr", "nl", "en+fr"}
    last = runs[runs.epoch == epochs]
    ff = last.filter(like="val_ff_").stack().dropna()
    assert len(ff) == 5 and ff.min() > 0.97  # the number CLASSROOM_DEPARTURES states
    rows = {r["setting"]: r for r in recipe.departures("classroom")}
    assert "7" in str(rows["train.epochs"]["classroom"]) and "97 %" in rows["train.epochs"]["why"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"model": {"scale": float("inf")}}, r"scale must lie in \[1, max_scale = 100\], got inf"),  # was clamped
        ({"model": {"scale": 200.0}}, r"scale must lie in \[1, max_scale = 100\]"),
        ({"model": {"scale": 0.5}}, r"scale must lie in \[1, max_scale"),
        ({"model": {"max_scale": float("nan")}}, "max_scale must be a finite number"),
        ({"train": {"seed": -1}}, "train.seed must be a whole number from 0 to 4294967295, got -1"),
        ({"train": {"seed": 2**32}}, "got 4294967296"),
        ({"name": "../../x"}, "must be a plain folder name"),  # wrote outside the runs folder
        ({"name": "a/b"}, "must be a plain folder name"),
        ({"name": "en+fr-sm"}, "has the form of a derived condition name"),  # took the Table 1 run's folder
        ({"name": "en-2x-lg"}, "has the form of a derived condition name"),
    ],
)
def test_values_a_run_would_silently_change_or_misplace_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        recipe.make_config("laptop", overrides)


def test_a_custom_name_still_names_its_own_folder():
    cfg = recipe.make_config("laptop", {"name": "my-en+fr.v2", "model": {"scale": 10.0}})
    assert os.path.basename(recipe.run_dir(cfg)) == "my-en+fr.v2-laptop-seed0"
