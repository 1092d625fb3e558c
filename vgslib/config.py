"""Frozen dataclass configs: strict construction from dicts and a stable content hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T", bound="Config")


class ConfigError(ValueError):
    """A config value or key is invalid; the message names it."""


def _convert(tp: Any, value: Any, where: str) -> Any:
    """Turn a JSON value into the field's declared type (nested configs, tuples)."""
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, Config):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping for {tp.__name__}, got {value!r}")
        return tp.from_dict(value, where=where)
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        return tuple(_convert(inner, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(tp):
            return None
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(inner[0], value, where) if len(inner) == 1 else value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (int, float, str, bool) and not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
    if tp is int and isinstance(value, bool):
        raise ConfigError(f"{where}: expected int, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class Config:
    """Base for every config: `from_dict` rejects unknown keys, `digest` hashes the content."""

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any], where: str | None = None) -> T:
        where = where or cls.__name__
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {unknown}; valid keys are {sorted(names)}")
        kwargs = {k: _convert(hints[k], v, f"{where}.{k}") for k, v in data.items()}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON values; a field declared with `added_field` is left out while it holds its default,
        so that adding one changes no existing config's digest (and no run's identity)."""
        return json.loads(json.dumps(_record(self)))

    def replace(self: T, **changes: Any) -> T:
        return self.from_dict({**self.to_dict(), **changes})

    def digest(self, length: int = 12) -> str:
        """Stable hash of the config's content (key order and Python version do not matter)."""
        return stable_hash(self.to_dict(), length)


def added_field(default: Any) -> Any:
    """A field added after runs were recorded: absent from `to_dict` (and so from every digest) at its default."""
    return dataclasses.field(default=default, metadata={"added": True})


def _record(value: Any) -> Any:
    if isinstance(value, Config):
        return {
            f.name: _record(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not (f.metadata.get("added") and getattr(value, f.name) == f.default)
        }
    if isinstance(value, (list, tuple)):
        return [_record(v) for v in value]
    return value


def stable_hash(obj: Any, length: int = 12) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]
