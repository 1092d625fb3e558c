from vgslib import recipe


def test_preset_departures_are_listed():
    rows = {r["setting"]: r for r in recipe.departures("laptop")}
    assert rows["model.size"]["paper"] == "md" and rows["model.size"]["laptop"] == "sm"
    assert all(r["why"] for r in rows.values())


def test_presets_are_overrides_of_the_papers_recipe():
    paper, laptop = recipe.make_config("paper"), recipe.make_config("laptop")
    assert paper == recipe.RunConfig(preset="paper") and laptop.model.size == "sm"
    assert laptop.train.batch_groups == paper.train.batch_groups  # what the preset leaves alone stays the paper's
