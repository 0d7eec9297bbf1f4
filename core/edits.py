"""A person's own value for a field: typed and checked by THIS's column before it is kept.

Policies choose between THIS, OTHER and NEWER only; a typed value is a person's decision
(docs/semantics.md, Overrides). The text a person types is read by the same converters that
type incoming values, so an edited value is stored exactly like any other value of the column.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.identity import canonical_uuid
from core.schema import Column, Kind, Resource
from core.timestamps import format_timestamp
from core.values import converter


class EditError(ValueError):
    """A typed value the column cannot hold; the message names the field and the kind."""


def parse_edited_value(resource: Resource, name: str, text: str) -> Any:
    """The typed value for `text` in field `name` of `resource`, or EditError.

    An empty (or all-blank) text means "no value" (NULL), refused for a NOT NULL column; a
    reference field takes the uuid of the target record (a target in neither dataset then
    blocks the vector, as any dangling reference does).
    """
    column = _column(resource, name)
    if text.strip() == "":
        return _none_if_nullable(resource, name, column.nullable)
    if name in resource.references:
        uuid = canonical_uuid(text)
        if uuid is None:
            raise EditError(f"{resource.name}.{name}: a reference takes the target's uuid")
        return uuid
    try:
        return converter(column)(text)
    except ValueError as exc:
        kind = "boolean" if column.char_boolean else column.kind.value
        raise EditError(f"{resource.name}.{name} ({kind}): {exc}") from None


def _none_if_nullable(resource: Resource, name: str, nullable: bool) -> None:
    if not nullable:
        raise EditError(f"{resource.name}.{name}: a value is required (the column is NOT NULL)")
    return None


def text_for_edit(value: Any) -> str:
    """The text an editor starts from: what `parse_edited_value` reads back to `value`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value) or ""
    if isinstance(value, (date, Decimal)):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def value_from_saved(resource: Resource, name: str, saved: Any) -> Any:
    """A typed value back from its JSON form (core.planjson.plain) in a decisions file."""
    if saved is None:
        return _none_if_nullable(resource, name, _column(resource, name).nullable)
    column = _column(resource, name)
    if isinstance(saved, str) and column.kind is Kind.STRING and name not in resource.references:
        return saved  # kept exactly: a blank string is a value here, not NULL
    if isinstance(saved, bool):
        saved = "true" if saved else "false"
    text = saved if isinstance(saved, str) else json.dumps(saved)
    return parse_edited_value(resource, name, text)


def _column(resource: Resource, name: str) -> Column:
    column = resource.column(name)
    if column is None:
        raise EditError(f"{resource.name}.{name}: THIS has no such column")
    return column
