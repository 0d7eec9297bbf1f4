"""Sync policies: Eden's `sync_resolve(vector)` hook, named presets, validation (docs/semantics.md,
Policy)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, time
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from core.hooks import DEFAULT_TIMEOUT, HookError, HookRunner
from core.schema import Schema
from core.vectors import Vector, effective_strategy
from core.vocabulary import Method, Resolution


class PolicyError(Exception):
    """A policy set something invalid, or raised; names the policy, vector and field."""


class VectorView:
    """What a policy hook sees: the seed's vocabulary over one vector.

    `strategy`, `resolution` and `default_resolution` are writable; everything else is
    read-only. `this` and `other` map field → value and include `modified_on`. A view for
    user code (`detached`) holds frozen copies and no reference to the vector: nothing a
    hook does to it reaches the plan except the three settings, which are validated.
    """

    __slots__ = (
        "_vector",
        "_method",
        "_resource",
        "_uuid",
        "_this",
        "_other",
        "strategy",
        "resolution",
        "default_resolution",
    )
    METHOD = Method
    RESOLUTION = Resolution

    def __init__(self, vector: Vector, *, detached: bool = False) -> None:
        self._method = vector.method
        self._resource = vector.resource
        self._uuid = vector.uuid
        self._vector: Vector | None = None if detached else vector
        self._this = _side(vector.this_values, vector.this_modified) if detached else None
        self._other = _side(vector.other_values, vector.other_modified) if detached else None
        self.strategy: Any = list(vector.strategy) if vector.strategy is not None else None
        self.resolution: Any = vector.resolution
        self.default_resolution: Any = vector.default_resolution

    @property
    def method(self) -> Method:
        return self._method

    @property
    def resource(self) -> str:
        return self._resource

    @property
    def uuid(self) -> str:
        return self._uuid

    @property
    def this(self) -> MappingProxyType[str, Any]:
        if self._this is None and self._vector is not None:
            self._this = _side(self._vector.this_values, self._vector.this_modified)
        return self._this or MappingProxyType({})

    @property
    def other(self) -> MappingProxyType[str, Any]:
        if self._other is None and self._vector is not None:
            self._other = _side(self._vector.other_values, self._vector.other_modified)
        return self._other or MappingProxyType({})


def _side(values: dict[str, Any], modified: Any) -> MappingProxyType[str, Any]:
    frozen = {name: frozen_value(value) for name, value in values.items()}
    frozen["modified_on"] = modified
    return MappingProxyType(frozen)


def frozen_value(value: Any) -> Any:
    """An immutable copy: lists become tuples, dicts read-only mappings (JSON columns)."""
    if value is None or isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, dict):
        return MappingProxyType({k: frozen_value(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen_value(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(frozen_value(v) for v in value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return copy.deepcopy(value)


_IMMUTABLE = (str, int, float, Decimal, bool, date, time, bytes, Method, Resolution)

Hook = Callable[[Any], None]


@dataclass(frozen=True)
class Policy:
    """A named `sync_resolve` hook.

    A hook that is not `trusted` (anything but the presets and TOML policies, which are
    Truce's own code) runs contained: a time limit per vector (`timeout` seconds), its
    output captured, read-only copies of the values, and `sys.exit()` an error.
    """

    name: str
    hook: Hook | None
    trusted: bool = False
    timeout: float = DEFAULT_TIMEOUT
    check: Callable[[Schema], None] | None = field(default=None, compare=False)

    def with_timeout(self, seconds: float | None) -> Policy:
        return self if seconds is None else replace(self, timeout=seconds)

    def validate(self, schema: Schema) -> None:
        """Refuse names the policy uses that THIS's schema does not have (a typo)."""
        if self.check is not None:
            self.check(schema)

    def apply(self, vectors: Iterable[Vector]) -> None:
        """Call the hook once per vector and store what it set, validated."""
        if self.hook is None:
            return
        if self.trusted:
            for vector in vectors:
                view = VectorView(vector)
                try:
                    self.hook(view)
                except PolicyError:
                    raise
                except Exception as exc:
                    raise PolicyError(
                        f"policy {self.name} raised {type(exc).__name__}: {exc} on {_where(vector)}"
                    ) from exc
                self._store(view, vector)
            return
        with HookRunner(self.name, self.timeout) as runner:
            for vector in vectors:
                view = VectorView(vector, detached=True)
                try:
                    runner.call(self.hook, view, _where(vector))
                except HookError as exc:
                    raise PolicyError(str(exc)) from exc.__cause__
                self._store(view, vector)

    def _store(self, view: VectorView, vector: Vector) -> None:
        where = f"policy {self.name}, resource {vector.resource}, uuid {vector.uuid}"
        vector.strategy = _strategy(view.strategy, where)
        vector.resolution = _resolution_spec(view.resolution, where)
        vector.default_resolution = _resolution(
            view.default_resolution, where, "default_resolution"
        )


def _where(vector: Vector) -> str:
    return f"{vector.resource} {vector.uuid} ({vector.place})"


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
    # What Eden's own import does by default: everything, the newer side winning.
    "eden": _preset([Method.CREATE, Method.UPDATE, Method.DELETE], Resolution.NEWER),
}

FALLBACK = Policy("fallback", None, trusted=True)


def preset(name: str) -> Policy:
    if name not in PRESETS:
        raise PolicyError(f"unknown policy preset {name!r}; presets: {', '.join(PRESETS)}")
    return Policy(name, PRESETS[name], trusted=True)


def allow_deletions(policy: Policy) -> Policy:
    """The policy in force with DELETE added to every strategy it sets, the fallback
    `[create, update]` included (`--allow-delete`, the window's toggle). An empty strategy
    stays empty: it skips the vector and its components, and says nothing about methods."""

    def sync_resolve(vector: Any) -> None:
        if policy.hook is not None:
            policy.hook(vector)
        strategy = vector.strategy
        if strategy is None:
            vector.strategy = [Method.CREATE, Method.UPDATE, Method.DELETE]
        else:
            methods = [strategy] if isinstance(strategy, (str, Method)) else list(strategy)
            if methods and Method.DELETE not in methods:
                vector.strategy = [*methods, Method.DELETE]

    if policy.name.endswith(ALLOW_DELETE_SUFFIX):
        return policy
    return replace(policy, name=policy.name + ALLOW_DELETE_SUFFIX, hook=sync_resolve)


ALLOW_DELETE_SUFFIX = " + delete"


def skipped_deletions(vectors: Iterable[Vector]) -> int:
    """Deletions OTHER asks for that the strategy does not allow (to say how to allow them)."""
    return sum(map(is_skipped_deletion, vectors))


def is_skipped_deletion(vector: Vector) -> bool:
    """A deletion OTHER asks for whose (non-empty) strategy does not allow delete."""
    if vector.method is not Method.DELETE or vector.problems:
        return False
    strategy = effective_strategy(vector)
    return bool(strategy) and Method.DELETE not in strategy


def skipped_deletions_hint(count: int) -> str:
    return (
        f"{count} deletion(s) skipped: the strategy does not allow delete "
        "(allow them with --allow-delete, or --policy eden)"
    )
