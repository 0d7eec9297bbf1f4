"""Sync policies: Eden's `sync_resolve(vector)` hook, named presets, validation (docs/semantics.md,
Policy)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from core.vectors import Vector
from core.vocabulary import Method, Resolution


class PolicyError(Exception):
    """A policy set something invalid, or raised; names the policy, vector and field."""


class VectorView:
    """What a policy hook sees: the seed's vocabulary over one vector.

    `strategy`, `resolution` and `default_resolution` are writable; everything else is
    read-only. `this` and `other` map field → value and include `modified_on`.
    """

    METHOD = Method
    RESOLUTION = Resolution

    def __init__(self, vector: Vector) -> None:
        self._vector = vector
        self.strategy: Any = list(vector.strategy) if vector.strategy is not None else None
        self.resolution: Any = vector.resolution
        self.default_resolution: Any = vector.default_resolution

    @property
    def method(self) -> Method:
        return self._vector.method

    @property
    def resource(self) -> str:
        return self._vector.resource

    @property
    def uuid(self) -> str:
        return self._vector.uuid

    @property
    def this(self) -> MappingProxyType[str, Any]:
        values = dict(self._vector.this_values)
        values["modified_on"] = self._vector.this_modified
        return MappingProxyType(values)

    @property
    def other(self) -> MappingProxyType[str, Any]:
        values = dict(self._vector.other_values)
        values["modified_on"] = self._vector.other_modified
        return MappingProxyType(values)


Hook = Callable[[Any], None]


@dataclass(frozen=True)
class Policy:
    """A named `sync_resolve` hook."""

    name: str
    hook: Hook | None

    def apply(self, vectors: Iterable[Vector]) -> None:
        """Call the hook once per vector and store what it set, validated."""
        if self.hook is None:
            return
        for vector in vectors:
            view = VectorView(vector)
            try:
                self.hook(view)
            except PolicyError:
                raise
            except Exception as exc:  # a user's hook may raise anything: name the vector
                raise PolicyError(
                    f"policy {self.name} raised {type(exc).__name__}: {exc} "
                    f"on {vector.resource} {vector.uuid} ({vector.place})"
                ) from exc
            self._store(view, vector)

    def _store(self, view: VectorView, vector: Vector) -> None:
        where = f"policy {self.name}, resource {vector.resource}, uuid {vector.uuid}"
        vector.strategy = _strategy(view.strategy, where)
        vector.resolution = _resolution_spec(view.resolution, where)
        vector.default_resolution = _resolution(
            view.default_resolution, where, "default_resolution"
        )


def _strategy(value: Any, where: str) -> tuple[Method, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, Method)):
        value = [value]
    try:
        return tuple(Method(m) for m in value)
    except (ValueError, TypeError):
        raise PolicyError(
            f"{where}: invalid strategy {value!r} (use create, update, delete)"
        ) from None


def _resolution(value: Any, where: str, name: str) -> Resolution | None:
    if value is None:
        return None
    try:
        return Resolution(value)
    except ValueError:
        raise PolicyError(
            f"{where}, field {name}: invalid resolution {value!r} (use this, other or newer)"
        ) from None


def _resolution_spec(value: Any, where: str) -> Resolution | dict[str, Resolution] | None:
    if isinstance(value, dict):
        return {str(k): _resolution(v, where, str(k)) for k, v in value.items()}  # type: ignore[misc]
    return _resolution(value, where, "resolution")


def _preset(strategy: list[Method], resolution: Resolution | None) -> Hook:
    def sync_resolve(vector: Any) -> None:
        vector.strategy = list(strategy)
        if resolution is not None:
            vector.resolution = resolution

    return sync_resolve


PRESETS: dict[str, Hook] = {
    "no-sync": _preset([], None),
    "import": _preset([Method.CREATE], Resolution.OTHER),
    "replace": _preset([Method.CREATE, Method.UPDATE], Resolution.OTHER),
    "update": _preset([Method.UPDATE], Resolution.OTHER),
    "replace-newer": _preset([Method.CREATE, Method.UPDATE], Resolution.NEWER),
    "update-newer": _preset([Method.UPDATE], Resolution.NEWER),
}

FALLBACK = Policy("fallback", None)


def preset(name: str) -> Policy:
    if name not in PRESETS:
        raise PolicyError(f"unknown policy preset {name!r}; presets: {', '.join(PRESETS)}")
    return Policy(name, PRESETS[name])
