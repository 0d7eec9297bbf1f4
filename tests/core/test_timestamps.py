"""Timestamps (docs/semantics.md, Values and timestamps): strict ISO 8601, compared in UTC;
anything else a per-value error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from builders import Databases, shape, uid, urn

from core.timestamps import TimestampError, parse_timestamp
from core.vocabulary import Action


def test_timestamp_z_suffix_is_utc() -> None:
    assert parse_timestamp("2024-05-01T10:00:00Z") == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_timestamp_offset_converted_to_utc() -> None:
    assert parse_timestamp("2024-05-01T10:00:00+02:00") == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert parse_timestamp("2024-05-01T10:00:00-05:30") == datetime(2024, 5, 1, 15, 30, tzinfo=UTC)


def test_timestamp_naive_is_utc() -> None:
    assert parse_timestamp("2024-05-01T10:00:00") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_timestamp("2024-05-01 10:00:00.250000") == datetime(
        2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC
    )


def test_timestamp_date_is_midnight_utc() -> None:
    assert parse_timestamp("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "garbage",
    [
        "last tuesday",
        "2024",
        "20240501T100000Z",
        "2024-W18-3",
        "01/05/2024",
        "2024-05-01T10",
        "2024-13-01",
        "",
        "2024-05-01T25:00:00",
        "2024-05-01T10:00:00+2",
    ],
)
def test_timestamp_garbage_is_error(garbage: str) -> None:
    with pytest.raises(TimestampError):
        parse_timestamp(garbage)


def test_timestamps_compared_in_utc(dbs: Databases) -> None:
    # 10:00+02:00 is 08:00 UTC: older than THIS's 09:00 although its clock reads later.
    pair = _text_stamped_pair(dbs, this="2024-05-01T09:00:00Z", other=["2024-05-01T10:00:00+02:00"])
    plan = pair.plan("replace-newer")
    [vector] = plan.vectors
    assert vector.other_modified == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert vector.action is Action.UNCHANGED


def test_timestamp_garbage_is_per_value_error_record(dbs: Databases) -> None:
    pair = _text_stamped_pair(
        dbs,
        this="2024-05-01T09:00:00Z",
        other=["last tuesday", "2024-05-01", "2024-05-01T11:00:00"],
    )
    plan = pair.plan("replace")
    by_uuid = {v.uuid: v for v in plan.vectors}
    bad = by_uuid[urn(1)]
    assert bad.action is Action.ERROR
    assert "modified_on" in bad.reason and "last tuesday" in bad.reason
    assert by_uuid[urn(2)].action is Action.CREATE  # the rest of the dataset still loads
    assert by_uuid[urn(2)].other_modified == datetime(2024, 5, 1, tzinfo=UTC)
    assert by_uuid[urn(3)].other_modified == datetime(2024, 5, 1, 11, tzinfo=UTC)


def _text_stamped_pair(dbs: Databases, this: str, other: list[str]):
    """Both sides keep modified_on as text, so OTHER can hold any spelling of a time."""
    as_text = shape(types={"person.modified_on": sa.String(40)})
    return dbs.pair(
        {"person": [{"uuid": uid(1), "name": "Ann", "modified_on": this}]},
        {
            "person": [
                {"uuid": uid(n), "name": f"P{n}", "modified_on": stamp}
                for n, stamp in enumerate(other, start=1)
            ]
        },
        this_shape=as_text,
        other_shape=as_text,
    )
