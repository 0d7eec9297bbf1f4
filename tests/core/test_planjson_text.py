"""The plan document written as text (core/plantext.py) is byte for byte the document
the dicts of `vector_document` / `unchanged_document` give through `json.dumps`; the
lean THIS reader of unchanged rows (core/this_rows.py) reads what the typed records say.
"""

from __future__ import annotations

import gc
import io
import json
import sqlite3
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import Databases, Pair, urn
from test_plan_paths import (  # noqa: F401
    SAMPLES,
    _eden_database,
    _other_rows,
    _this_rows,
    generated,
)

from core.matching import build_plan
from core.plan import Plan
from core.planjson import (
    FORMAT,
    dumps,
    ordered,
    summary_document,
    unchanged_document,
    vector_document,
    write_plan,
)
from core.records import label_for
from core.sources.sql import SqlDataset
from core.this_rows import ThisRows
from core.unchanged import ThisRow
from core.vocabulary import Method, Resolution


def _by_dicts(plan: Plan, indent: int | None = None) -> Iterator[str]:
    """The document as every vector's and row's dict through `dumps` (the format's
    definition; what `write_plan` wrote before it wrote text directly)."""
    head = {
        "format": FORMAT,
        "this": plan.this_source,
        "other": plan.other_source,
        "policy": plan.policy_name,
        "summary": summary_document(plan),
        "warnings": plan.warnings,
    }
    yield dumps(head, indent)[:-1].rstrip() + ',\n"vectors": ['
    for n, vector in enumerate(ordered(plan, plan.roots())):
        yield ("," if n else "") + "\n" + dumps(vector_document(plan, vector), indent)
    yield '\n],\n"unchanged": ['
    for n, row in enumerate(plan.unchanged.page(0, len(plan.unchanged))):
        yield ("," if n else "") + "\n" + dumps(unchanged_document(row))
    yield "\n]}\n"


def _written(plan: Plan, indent: int | None = None) -> str:
    out = io.StringIO()
    write_plan(plan, out, indent)
    return out.getvalue()


def assert_same_document(plan: Plan) -> None:
    assert plan.vectors and len(plan.unchanged) > 0
    for indent in (None, 1):
        expected = "".join(_by_dicts(plan, indent))
        assert _written(plan, indent) == expected
    json.loads(expected)


def _old_reader(this: SqlDataset, resource: str, keys: list[Any]) -> dict[Any, ThisRow]:
    """The rows as the typed records give them (the reader before core/this_rows.py)."""
    return {
        key: ThisRow(record.uuid or "", label_for(record.values), record.modified_on, record.master)
        for key, (record, _digest) in this.fetch(resource, keys).items()
    }


def assert_reader_agrees(this: SqlDataset) -> None:
    reader = ThisRows(this)
    for resource in this.schema.resources:
        pk = this.schema.resources[resource].pk
        with this.engine.connect() as conn:
            keys = [k for (k,) in conn.exec_driver_sql(f"SELECT {pk} FROM {resource}")]
        expected = _old_reader(this, resource, keys)
        assert reader(resource, keys) == expected, resource
        ints = sorted(k for k in keys if type(k) is int)
        # Every other key, and one THIS does not have: the scan skips both.
        wanted = [*ints[::2], (ints[-1] + 1) if ints else 1]
        scanned = list(reader.scan(resource, wanted))
        assert scanned == [(k, expected[k]) for k in wanted if k in expected], resource


# ----- whole documents
def test_the_sample_pair_document() -> None:
    this = SqlDataset(SAMPLES / "local.db", readonly=True)
    other = SqlDataset(SAMPLES / "incoming.db", readonly=True)
    try:
        assert_same_document(build_plan(this, other))
        assert_reader_agrees(this)
    finally:
        this.close()
        other.close()


def test_the_eden_reference_document(tmp_path: Path) -> None:
    this = _eden_database(tmp_path / "this.db", "01-seeded-pr_person-addr_contact.xml")
    other = _eden_database(tmp_path / "other.db", "02-mutated-pr_person-addr_contact-deleted.xml")
    try:
        plan = build_plan(this, other)
        assert any(row.parent for row in plan.unchanged)
        assert_same_document(plan)
        assert_reader_agrees(this)
    finally:
        this.close()
        other.close()


def test_a_generated_pair_with_every_kind_of_difference(generated: Pair) -> None:  # noqa: F811
    _raw(
        generated.this_target,
        # Labels from a later field: a reference to a non-RFC uuid, a JSON text; from
        # nothing. A THIS timestamp no converter takes.
        f"UPDATE person SET name = '' WHERE uuid = '{urn(3)}'",
        f"UPDATE person SET name = '', location_id = NULL, note = '\"from JSON\"' "
        f"WHERE uuid = '{urn(8)}'",
        f"UPDATE person SET name = '', location_id = NULL WHERE uuid = '{urn(16)}'",
        f"UPDATE location SET name = NULL WHERE uuid = '{urn(90)}'",
        f"UPDATE location SET uuid = 'place-ninety' WHERE uuid = '{urn(90)}'",
        f"UPDATE person SET modified_on = 'whenever' WHERE uuid = '{urn(7)}'",
        f"UPDATE person SET name = 'Zoë \x9b\u2028 東京 🎉' WHERE uuid = '{urn(1)}'",
    )
    plan = generated.plan()
    assert_same_document(plan)
    assert_reader_agrees(generated.this)


def test_overrides_edited_values_and_odd_values_are_written_the_same(generated: Pair) -> None:  # noqa: F811
    plan = generated.plan()
    updates = [v for v in plan.vectors if v.method is Method.UPDATE and v.other_values]
    first, second, third = updates[:3]
    plan.set_field_resolution(first, next(iter(first.other_values)), Resolution.OTHER)
    plan.set_strategy(second, (Method.UPDATE,))
    plan.set_default_resolution(third, Resolution.NEWER)
    second.resolution = {"name": Resolution.OTHER, "age": Resolution.NEWER}
    third.resolution = Resolution.OTHER
    east = timezone(timedelta(hours=3))
    first.edited = {"seen": datetime(2024, 1, 1, 8, tzinfo=east), "born": date(1990, 1, 2)}
    first.this_modified = datetime(2024, 1, 1, 8, tzinfo=east)  # not UTC: converted
    second.this_values = {
        **second.this_values,
        "score": 1e-7,
        "note": {"a": [Decimal("1.10"), b"\x00\xff", (1, "\x7f")]},
        "name": 'tab\tquote"back\\slash\u2029',
    }
    third.other_values = {**third.other_values, "age": True, "score": -0.0, "big": 10**30}
    plan.recompute()
    assert_same_document(plan)


def test_a_value_json_cannot_hold_is_refused_both_ways(generated: Pair) -> None:  # noqa: F811
    plan = generated.plan()
    vector = next(v for v in plan.vectors if v.this_values)
    vector.this_values = {**vector.this_values, "score": float("nan")}
    with pytest.raises(ValueError):
        "".join(_by_dicts(plan))
    with pytest.raises(ValueError):
        _written(plan)


def test_scanned_unchanged_rows_are_the_paged_ones(generated: Pair) -> None:  # noqa: F811
    plan = generated.plan()
    paged = plan.unchanged.page(0, len(plan.unchanged))
    assert list(plan.unchanged) == paged
    assert any(row.note for row in paged) and any(row.this_modified for row in paged)
    # Rows THIS lost since the plan was made are left out by both.
    _raw(generated.this_target, f"DELETE FROM person WHERE uuid IN ('{urn(1)}', '{urn(21)}')")
    rows = list(plan.unchanged)
    assert rows == plan.unchanged.page(0, len(plan.unchanged))
    assert len(rows) < len(paged) and urn(1) not in {r.uuid for r in rows}


def test_on_every_engine_the_reader_reads_what_the_records_say(dbs: Databases) -> None:
    pair = dbs.pair(_this_rows(), _other_rows())
    plan = pair.plan()
    assert list(plan.unchanged) == plan.unchanged.page(0, len(plan.unchanged))
    assert any(row.parent for row in plan.unchanged)
    assert_reader_agrees(pair.this)
    assert_same_document(plan)


def test_a_scan_left_early_closes_its_cursor(dbs: Databases) -> None:
    """A caller may stop reading unchanged rows early (`any(...)`): the scan's cursor
    (server-side on PostgreSQL) is closed then, not left for the collector to find."""
    pair = dbs.pair(_this_rows(), _other_rows())
    reader = ThisRows(pair.this)
    with pair.this.engine.connect() as conn:
        keys = sorted(k for (k,) in conn.exec_driver_sql("SELECT id FROM person"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = reader.scan("person", keys)
        assert next(rows)[0] == keys[0]
        rows.close()
        pair.this.engine.dispose()
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def _raw(path: str, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


def test_utc_timestamps_take_the_short_way_with_the_same_text() -> None:
    from core.plantext import timestamp
    from core.timestamps import format_timestamp

    for value in (
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))),
        datetime(2024, 1, 1, 2),
    ):
        assert timestamp(value) == json.dumps(format_timestamp(value))
    assert timestamp(None) == "null"


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-01 03:00:00",
        "2024-01-01T03:00:00.5",
        "2024-01-01 03:00:00.000001",
        "2024-02-30 10:00:00",
        "2024-01-01 24:00:00",
        " 2024-01-01 03:00:00",
        "2024-01-01 03:00:00Z",
        "2024-01-01 03:00:00+02:00",
        "2024-01-01 03:00:00.1234567",
        "2024-01-01",
        "last tuesday",
        datetime(2024, 1, 1, 3),
        None,
    ],
)
def test_the_short_way_to_type_modified_on_types_it_the_same(raw: Any) -> None:
    from core.this_rows import _MODIFIED, _modified

    def typed(convert: Any) -> Any:
        try:
            return convert(raw)
        except ValueError:
            return "error"

    assert typed(_modified) == typed(_MODIFIED)
    assert repr(typed(_modified)) == repr(typed(_MODIFIED))
