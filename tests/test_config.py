from dataclasses import dataclass

import pytest

from vgslib.config import Config, ConfigError


@dataclass(frozen=True)
class Inner(Config):
    width: int = 4


@dataclass(frozen=True)
class Outer(Config):
    name: str = "x"
    rate: float = 0.5
    langs: tuple[str, ...] = ("en",)
    inner: Inner = Inner()


def test_round_trip_and_nested():
    cfg = Outer.from_dict({"name": "y", "rate": 1, "langs": ["en", "fr"], "inner": {"width": 8}})
    assert cfg.rate == 1.0 and cfg.langs == ("en", "fr") and cfg.inner.width == 8
    assert Outer.from_dict(cfg.to_dict()) == cfg


def test_unknown_keys_are_rejected_with_their_names():
    with pytest.raises(ConfigError, match="lrate"):
        Outer.from_dict({"lrate": 1})
    with pytest.raises(ConfigError, match=r"Outer.inner: unknown key\(s\) \['depth'\]"):
        Outer.from_dict({"inner": {"depth": 2}})


def test_wrong_types_are_rejected():
    with pytest.raises(ConfigError, match="Outer.name"):
        Outer.from_dict({"name": 3})
    with pytest.raises(ConfigError, match="Inner.width|inner.width"):
        Outer.from_dict({"inner": {"width": True}})


def test_digest_depends_on_content_only():
    assert Outer().digest() == Outer.from_dict({}).digest()
    assert Outer().digest() != Outer(rate=0.6).digest()
    assert Outer().replace(rate=0.6) == Outer(rate=0.6)
