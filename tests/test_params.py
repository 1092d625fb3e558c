import pytest

from vgslib.params import TrainParams


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_languages": "en+de"}, "'de'"),
        ({"train_languages": "en+fr+nl"}, "one or two languages"),
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
    assert p.run_dir(cfg).endswith("en+fr-sm-laptop-seed2")


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
