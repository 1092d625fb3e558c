import pytest

from vgslib import recipe
from vgslib.params import TrainParams


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_languages": "en+tr"}, "'tr'"),
        ({"train_languages": "en+fr+nl+de"}, "one, two or three languages"),
        ({"train_languages": "en", "links": True}, "links needs two"),
        ({"preset": "huge"}, "unknown preset 'huge'"),
        ({"size": "xl"}, "unknown model size 'xl'"),
        ({"precision": "fp8"}, "precision must be one of"),
        ({"data_overrides": '{"world": {"voices": 3}}'}, "voices"),
    ],
)
def test_impossible_combinations_are_named(kwargs, message):
    base = {"preset": "smoke", "train_languages": "en", "seed": 0}
    with pytest.raises(ValueError, match=message):
        TrainParams(**{**base, **kwargs}).to_config()


def test_values_from_a_command_line_or_papermill_are_typed():
    assert TrainParams.validate({"seed": "3", "links": "true", "scale": "10"}) == {
        "seed": 3,
        "links": True,
        "scale": 10.0,
    }
    with pytest.raises(ValueError, match="parameter 'seed' must be int"):
        TrainParams.validate({"seed": 1.5})
    with pytest.raises(ValueError, match="parameter 'train_languages' must be str"):
        TrainParams.from_mapping({"train_languages": 3})


def test_parameters_become_the_config_and_run_folder():
    p = TrainParams(preset="laptop", train_languages="en+fr", seed=2, epochs=14)
    cfg = p.to_config()
    assert cfg.train.languages == ("en", "fr") and cfg.train.epochs == 14
    assert cfg.train.warmup_epochs == pytest.approx(1.4)  # the preset's warm-up share scales along
    standard = TrainParams(preset="laptop", train_languages="en+fr", seed=2)
    assert standard.run_dir().endswith("en+fr-sm-laptop-seed2") and standard.to_config().condition.table1
    # Another recipe is another run: a folder of its own (its digest in the name), never a Table 1 run.
    assert p.run_dir(cfg).endswith(f"en+fr-sm-custom{cfg.identity(8)}-laptop-seed2")
    assert not cfg.condition.table1 and cfg.condition.variant == cfg.identity(8)


@pytest.mark.parametrize(
    "changed",
    [{"epochs": 2}, {"scale": 10.0}, {"precision": "bf16"}, {"negatives": "pool"}, {"test_languages": "en+nl"},
     {"learn_scale": True}, {"data_overrides": '{"world": {"train_tokens": 100}}'}],
)  # fmt: skip
def test_every_departure_from_the_preset_gets_its_own_folder(changed):
    base = TrainParams(preset="laptop", train_languages="en")
    other = TrainParams(preset="laptop", train_languages="en", **changed)
    assert other.run_dir() != base.run_dir() and other.to_config().identity() != base.to_config().identity()


def test_where_and_how_fast_a_run_goes_does_not_change_its_identity():
    base = TrainParams(preset="laptop", train_languages="en").to_config()
    moved = TrainParams(preset="laptop", train_languages="en", device="cpu").to_config()
    threads = recipe.make_config("laptop", {"train": {"languages": ["en"], "threads": 2}})
    assert base.identity() == moved.identity() == threads.identity()
    assert base.condition.run_name == moved.condition.run_name == threads.condition.run_name == "en-sm-laptop-seed0"
    assert base.digest() != threads.digest()  # the full config still records them


def test_an_invalid_encoder_path_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("VGSLIB_RUNS", str(tmp_path / "runs"))
    with pytest.raises(ValueError, match="wavlm encoder needs `path`"):
        TrainParams(train_languages="en", audio_encoder="wavlm").to_config()
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        TrainParams(train_languages="en", image_encoder="dino-resnet50", image_encoder_path="nope.pth").to_config()
    assert not (tmp_path / "runs").exists()


def test_a_mistyped_name_injected_by_plain_papermill_is_refused():
    """Papermill injects `-p seeds 3` as a global `seeds = 3` without checking; the notebook's own check must
    refuse it, while the notebook's other globals (modules, IPython's In/Out, functions) pass."""
    import json

    notebook_globals = {"__name__": "__main__", "In": [""], "Out": {}, "json": json, "exit": object(), "seed": 2}
    assert TrainParams.from_mapping(notebook_globals).seed == 2
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['seeds'\]"):
        TrainParams.from_mapping({**notebook_globals, "seeds": 3})


def test_the_default_preset_and_the_device_reach_the_notebook(monkeypatch):
    monkeypatch.setenv("VGSLIB_PRESET", "smoke")
    assert TrainParams().to_config().preset == "smoke"  # empty: the machine's default, as the grid's
    assert TrainParams(preset="laptop").to_config().preset == "laptop"
    assert TrainParams(device="cpu").to_config().train.device == "cpu"
    with pytest.raises(ValueError, match="train.device must be auto, cpu, cuda"):
        TrainParams(device="gpu").to_config()
