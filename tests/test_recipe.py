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

    from vgslib.report.pages import LAPTOP_SCHEDULE

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
