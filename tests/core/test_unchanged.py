"""The unchanged set: counted and paged from THIS, in a stable order."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import core.unchanged as unchanged_module
from core.unchanged import (
    ThisRow,
    Unchanged,
    UnchangedSet,
    from_micros,
    to_micros,
)
from core.unchanged_builder import UnchangedBuilder

T = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)


def _reader(calls: list[tuple[str, list[Any]]]):
    def read(resource: str, keys: Sequence[Any]) -> dict[Any, ThisRow]:
        calls.append((resource, list(keys)))
        return {k: ThisRow(f"u-{resource}-{k}", f"label {k}", T, None) for k in keys}

    return read


def _set(calls: list[tuple[str, list[Any]]]) -> UnchangedSet:
    index = {"person": {f"u-person-{k}": k for k in (1, 5, 9)}, "address": {"u-address-7": 7}}
    result = UnchangedSet(
        ["person", "address"],
        read_this=_reader(calls),
        key_of=lambda resource, uuid: index.get(resource, {}).get(uuid),
    )
    # Added in OTHER's order; the set orders them by THIS key.
    result.set_part("person", [9, 1, 5], [to_micros(T), to_micros(None), 0], notes=[0, 1, 0])
    result.set_part("address", [7], [to_micros(T)], parents={7: ("person", "u-person-1")})
    result.hold(Unchanged("person", "z-held", "gone", None, T, None, "deleted in OTHER"))
    result.hold(Unchanged("person", "a-held", "gone", None, T, None, "deleted in OTHER"))
    return result


def test_counts_and_membership_need_no_read_of_this() -> None:
    calls: list[tuple[str, list[Any]]] = []
    unchanged = _set(calls)
    assert len(unchanged) == 6
    assert unchanged.counts_by_resource() == {"person": 5, "address": 1}
    assert unchanged.contains("person", "u-person-5")
    assert unchanged.contains("person", "a-held")
    assert not unchanged.contains("person", "u-address-7")
    assert not unchanged.contains("address", "u-person-5")
    assert calls == []


def test_pages_read_this_in_the_stable_order() -> None:
    calls: list[tuple[str, list[Any]]] = []
    unchanged = _set(calls)
    rows = list(unchanged)
    assert [r.uuid for r in rows] == [
        "u-person-1",
        "u-person-5",
        "u-person-9",
        "a-held",
        "z-held",
        "u-address-7",
    ]
    assert [r.note for r in rows[:3]] == ["deleted on both sides", "", ""]
    assert [r.other_modified for r in rows[:3]] == [None, from_micros(0), T]
    assert rows[5].parent == ("person", "u-person-1")
    assert rows[0].label == "label 1" and rows[0].this_modified == T
    assert unchanged.page(2, 4) == rows[2:4]
    assert unchanged.page(4, 100) == rows[4:]
    assert [unchanged[i] for i in range(len(unchanged))] == rows
    assert unchanged[-1] == rows[-1]


def test_micros_round_trip_exactly() -> None:
    for value in (T, datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999)):
        assert from_micros(to_micros(value)) == value.replace(tzinfo=UTC)
    assert from_micros(to_micros(None)) is None


def test_removed_rows_come_back_as_they_were() -> None:
    calls: list[tuple[str, list[Any]]] = []
    unchanged = _set(calls)
    before = list(unchanged)
    removed = unchanged.remove("person", [5, 1])
    assert removed == before[:2]
    assert [r.uuid for r in unchanged] == [r.uuid for r in before[2:]]
    assert not unchanged.contains("person", "u-person-1")


def test_removal_worked_out_in_slices_keeps_the_same_rows(monkeypatch: Any) -> None:
    """The kept rows are found a slice of keys at a time (so a plan's thread hands the
    GIL to the window between slices); slices as small as one row change nothing."""
    results = []
    for size in (65_536, 2, 1):
        monkeypatch.setattr(unchanged_module, "_GIL_SLICE", size)
        unchanged = _set([])
        unchanged.remove("person", [5])
        results.append([(r.uuid, r.note, r.other_modified) for r in unchanged])
    assert results[0] == results[1] == results[2]
    assert [uuid for uuid, _, _ in results[0]][:2] == ["u-person-1", "u-person-9"]


def test_a_list_of_rows_is_held_as_given() -> None:
    rows = [Unchanged("person", f"u{n}", "", None, None, None, "") for n in (3, 1, 2)]
    unchanged = UnchangedSet.of_rows(rows)
    assert len(unchanged) == 3
    assert [r.uuid for r in unchanged] == ["u1", "u2", "u3"]


def test_rows_added_in_bulk_keep_keys_that_are_not_integers() -> None:
    builder = UnchangedBuilder()
    builder.add_keyed("person", 1, 10, 0)
    builder.add_many("person", [2, "b", 3], [20, 30, 40], [0, 1, 0])
    builder.add_many("person", [], [], [])
    builder.add_many("address", [5, 6], [50, 60], [0, 0])
    assert list(builder.keys["person"]) == [1, 2, "b", 3]
    assert list(builder.other["person"]) == [10, 20, 30, 40]
    assert list(builder.notes["person"]) == [0, 0, 1, 0]
    assert isinstance(builder.keys["address"], array)


def test_removing_rows_keeps_each_column_aligned_whatever_the_keys() -> None:
    for keys in ([9, 1, 5, 7], ["i", "a", "e", "g"]):
        result = UnchangedSet(["person"], read_this=_reader([]))
        result.set_part("person", keys, [90, 10, 50, 70], notes=[0, 1, 0, 1])
        removed = result.remove("person", [keys[2], keys[0]])  # 5 and 9, or "e" and "i"
        assert [r.note for r in removed] == ["", ""]
        assert [r.uuid for r in result] == [f"u-person-{keys[1]}", f"u-person-{keys[3]}"]
        assert [r.note for r in result] == ["deleted on both sides"] * 2
        assert [to_micros(r.other_modified) for r in result] == [10, 70]
