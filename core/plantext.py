"""The `truce-plan/1` vectors and unchanged rows as JSON text, written directly.

`core.planjson` describes each object as a dict (`vector_document`, `unchanged_document`)
and lets `json.dumps` encode it; for a whole plan, building those dicts and converting
every value with `plain` cost more than computing the plan. This module writes the same
text — byte for byte what `json.dumps(document, ensure_ascii=False)` gives for them,
checked by tests/core/test_planjson_text.py — from f-strings: keys are constants, strings
go through the json module's own C escaper, and only values of other types (datetimes,
decimals, lists…) take the general path (`plain`, then `json.dumps`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from core.timestamps import format_timestamp
from core.unchanged import Unchanged
from core.vectors import Vector, effective_strategy, outcome_rows
from core.vocabulary import Resolution, Side

_str: Callable[[str], str] = encode_basestring
_NO_OVERRIDES = '{"strategy": null, "default_resolution": null, "fields": {}, "values": {}}'
_BOOL = {True: "true", False: "false"}
_ENUMS: dict[Any, str] = {m: _str(m.value) for kind in (Resolution, Side) for m in kind}


def plain(value: Any) -> Any:
    """A JSON value for a typed field value."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def value(item: Any) -> str:
    """One JSON value: `json.dumps(plain(item))` with the document's options."""
    kind = type(item)
    if kind is str:
        return _str(item)
    if item is None:
        return "null"
    if kind is bool:
        return _BOOL[item]
    if kind is int:
        return int.__repr__(item)
    return json.dumps(plain(item), ensure_ascii=False, allow_nan=False)


def timestamp(item: datetime | None) -> str:
    """`format_timestamp` as a JSON value (quoted, or null)."""
    if item is None:
        return "null"
    if type(item) is not datetime:
        return f'"{format_timestamp(item)}"'
    text = _TIMES.get(item)
    if text is None:
        # Equal times are one instant, whose text in UTC is one text.
        if len(_TIMES) >= _TIMES_KEPT:
            _TIMES.clear()
        text = _TIMES[item] = f'"{format_timestamp(item)}"'
    return text


# Many records share a time (one import, one sync): each distinct time is formatted once.
_TIMES: dict[datetime, str] = {}
_TIMES_KEPT = 4096


def unchanged_text(row: Unchanged, resource: str) -> str:
    """`unchanged_document(row)` as JSON; `resource` is the row's resource, encoded.
    (An `Unchanged` row's uuid, label and note are always text.)"""
    parent = row.parent
    master = "null" if not parent else f"[{value(parent[0])}, {value(parent[1])}]"
    this = timestamp(row.this_modified)
    other = this if row.other_modified is row.this_modified else timestamp(row.other_modified)
    return (
        f'{{"resource": {resource}, "uuid": {_str(row.uuid)}, "label": {_str(row.label)}, '
        f'"this_modified_on": {this}, "other_modified_on": {other}, '
        f'"master": {master}, "note": {_str(row.note)}}}'
    )


class VectorText:
    """`vector_document` as JSON, for the vectors of one plan."""

    def __init__(self, children: Callable[[Vector], list[Vector]]) -> None:
        self.children = children  # a vector's components, in document order
        self._lists: dict[tuple[Any, ...], str] = {}
        self._names: dict[str, str] = {}

    def _list(self, members: tuple[Any, ...]) -> str:
        """A list of enum members (a strategy) as JSON, each distinct list encoded once."""
        text = self._lists.get(members)
        if text is None:
            text = self._lists[members] = json.dumps([m.value for m in members])
        return text

    def text(self, vector: Vector) -> str:
        j = value
        default = vector.override_default or vector.default_resolution or Resolution.THIS
        res = vector.resolution
        if res is None:
            resolution = "null"
        elif isinstance(res, dict):
            resolution = json.dumps({k: v.value for k, v in res.items()}, ensure_ascii=False)
        else:
            resolution = j(res.value)
        components = ", ".join(self.text(child) for child in self.children(vector))
        return (
            f'{{"resource": {j(vector.resource)}, "uuid": {j(vector.uuid)}, '
            f'"label": {j(vector.label)}, "method": {j(vector.method.value)}, '
            f'"action": {j(vector.action.value)}, "reason": {j(vector.reason)}, '
            f'"strategy": {self._list(effective_strategy(vector))}, '
            f'"resolution": {resolution}, "default_resolution": {j(default.value)}, '
            f'"overrides": {self._overrides(vector)}, '
            f'"this_modified_on": {timestamp(vector.this_modified)}, '
            f'"other_modified_on": {timestamp(vector.other_modified)}, '
            f'"place": {j(vector.place)}, "this_place": {j(vector.this_place)}, '
            f'"conflicts": {j(vector.conflicts)}, '
            f'"problems": {self._problems(vector)}, "blocked": {self._blocked(vector)}, '
            f'"fields": [{self._fields(vector)}], "components": [{components}]}}'
        )

    def _overrides(self, vector: Vector) -> str:
        if not vector.has_overrides:
            return _NO_OVERRIDES
        strategy = vector.override_strategy
        document = {
            "strategy": None if strategy is None else [m.value for m in strategy],
            "default_resolution": vector.override_default and vector.override_default.value,
            "fields": {k: v.value for k, v in vector.override_fields.items()},
            "values": {k: plain(v) for k, v in (vector.edited or {}).items()},
        }
        return json.dumps(document, ensure_ascii=False, allow_nan=False)

    def _problems(self, vector: Vector) -> str:
        if not vector.problems:
            return "[]"
        return json.dumps([str(p) for p in vector.problems], ensure_ascii=False)

    def _blocked(self, vector: Vector) -> str:
        if not vector.blocked:
            return "{}"
        return json.dumps(dict(vector.blocked), ensure_ascii=False, allow_nan=False)

    def _fields(self, vector: Vector) -> str:
        # The flags are bools and the resolutions enum members, by `outcome_rows`' making;
        # the result is most often one side's very value, encoded already.
        j, names, flag, enum = value, self._names, _BOOL, _ENUMS
        texts = []
        for (
            name,
            this,
            other,
            differs,
            conflict,
            res,
            win,
            tie,
            result,
            ref,
            blocked,
            edited,
        ) in outcome_rows(vector):
            # Text and null, the usual values, without a call each.
            this_text = _str(this) if type(this) is str else "null" if this is None else j(this)
            other_text = (
                _str(other) if type(other) is str else "null" if other is None else j(other)
            )
            result_text = (
                this_text if result is this else other_text if result is other else j(result)
            )
            texts.append(
                f"{{{names.get(name) or self._name(name)}{this_text}, "
                f'"other": {other_text}, "differs": {flag[differs]}, '
                f'"conflict": {flag[conflict]}, "resolution": {enum[res]}, '
                f'"winner": {enum[win]}, "edited": {flag[edited]}, "tie": {flag[tie]}, '
                f'"result": {result_text}, '
                f'"reference": {"null" if ref is None else j(ref)}, '
                f'"blocked": {"null" if blocked is None else j(blocked)}}}'
            )
        return ", ".join(texts)

    def _name(self, name: str) -> str:
        """A field's opening, `"name": …, "this": `, encoded once per name."""
        text = self._names[name] = f'"name": {value(name)}, "this": '
        return text
