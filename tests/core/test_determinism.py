"""Determinism: the plan does not depend on record order, time zone or locale; NEWER is
symmetric; two databases syncing each other with replace-newer converge.

Hypothesis runs derandomized (the same examples on every run, so a failure reproduces),
and the known edge cases are explicit @examples.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from builders import Databases, Pair, at, uid
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_properties import _digest

from core.vectors import outcomes
from core.vocabulary import Action, Method, Side

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "resources" / "samples"
DETERMINISTIC = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Far apart and odd offsets: UTC-10, +05:45, +14, and a zone with summer time.
ZONES = ("Pacific/Honolulu", "Asia/Kathmandu", "Pacific/Kiritimati", "Europe/London")
PEOPLE, PLACES = (1, 2, 3, 4), (90, 91)
names = st.sampled_from(["Ann", "Bob", "Cid"])


@st.composite
def people(draw: st.DrawFn, hours: st.SearchStrategy[int | None]) -> dict[str, Any]:
    """Locations and persons (no deletions), with modified_on drawn from `hours`."""
    places = draw(st.lists(st.sampled_from(PLACES), unique=True, max_size=2))
    place = st.one_of(st.none(), st.sampled_from([uid(n) for n in places])) if places else st.none()

    def stamp() -> Any:
        value = draw(hours)
        return None if value is None else at(value)

    return {
        "location": [
            {"uuid": uid(n), "name": draw(names), "modified_on": stamp(), "deleted": False}
            for n in places
        ],
        "person": [
            {
                "uuid": uid(n),
                "name": draw(names),
                "age": draw(st.none() | st.integers(1, 3)),
                "location_id": draw(place),
                "modified_on": stamp(),
                "deleted": False,
            }
            for n in draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=4))
        ],
    }


any_stamp = st.one_of(st.none(), st.integers(0, 3))


def _one(name: str, hours: int | None) -> dict[str, Any]:
    row = {
        "uuid": uid(1),
        "name": name,
        "age": 1,
        "location_id": None,
        "modified_on": None if hours is None else at(hours),
        "deleted": False,
    }
    return {"location": [], "person": [row]}


@contextmanager
def pair_of(this: dict[str, Any], other: dict[str, Any]) -> Iterator[Pair]:
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases("sqlite", Path(tmp), None)
        try:
            yield dbs.pair(this, other)
        finally:
            dbs.close()


@contextmanager
def time_zone(zone: str) -> Iterator[None]:
    previous = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = previous
        time.tzset()


# ----- time zone and record order


@DETERMINISTIC
@given(this=people(any_stamp), other=people(any_stamp), zone=st.sampled_from(ZONES))
@example(this=_one("Ann", 1), other=_one("Bob", 1), zone="Pacific/Kiritimati")  # tie
@example(this=_one("Ann", None), other=_one("Bob", 0), zone="Pacific/Honolulu")  # undated
def test_the_plan_does_not_depend_on_the_time_zone(
    this: dict[str, Any], other: dict[str, Any], zone: str
) -> None:
    with pair_of(this, other) as pair:
        with time_zone("UTC"):
            expected = _stamped(pair.plan("replace-newer"))
        with time_zone(zone):
            assert _stamped(pair.plan("replace-newer")) == expected


def _stamped(plan: Any) -> tuple[Any, ...]:
    """The plan's digest with each vector's two timestamps, as instants in UTC."""
    stamps = sorted(
        (v.resource, v.uuid, _iso(v.this_modified), _iso(v.other_modified)) for v in plan.vectors
    )
    return _digest(plan), tuple(stamps)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


@DETERMINISTIC
@given(data=st.data(), this=people(any_stamp), other=people(any_stamp))
def test_the_plan_does_not_depend_on_the_order_of_either_side(
    data: st.DataObject, this: dict[str, Any], other: dict[str, Any]
) -> None:
    def shuffled(rows: dict[str, Any]) -> dict[str, Any]:
        return {name: data.draw(st.permutations(records)) for name, records in rows.items()}

    with pair_of(this, other) as first, pair_of(shuffled(this), shuffled(other)) as second:
        assert _digest(first.plan("replace-newer")) == _digest(second.plan("replace-newer"))


def _plan_document(tmp_path: Path, name: str, env: dict[str, str]) -> bytes:
    report = tmp_path / f"{name}.json"
    args = [sys.executable, "-m", "core", "preview", "local.db", "incoming.db"]
    args += ["--policy", "replace-newer", "--report", str(report), "--quiet"]
    subprocess.run(
        args,
        cwd=SAMPLES,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
        check=True,
        capture_output=True,
        timeout=120,
    )
    return report.read_bytes()


def test_the_cli_plan_is_the_same_in_every_zone_and_locale(tmp_path: Path) -> None:
    """The whole sample pair, through the CLI: the same plan document byte for byte."""
    expected = _plan_document(tmp_path, "utc", {"TZ": "UTC", "LC_ALL": "C.UTF-8"})
    assert b'"vectors"' in expected
    variants = {
        "kiritimati": {"TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"},
        "honolulu": {"TZ": "Pacific/Honolulu", "LC_ALL": "C.UTF-8"},
        # the plain C locale with Python's UTF-8 coercion off: ASCII as the locale encoding
        "ascii": {"TZ": "Asia/Kathmandu", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0"},
    }
    for name, env in variants.items():
        assert _plan_document(tmp_path, name, {**env, "PYTHONUTF8": "0"}) == expected, name


# ----- NEWER is symmetric


@DETERMINISTIC
@given(this=people(any_stamp), other=people(any_stamp))
@example(this=_one("Ann", 1), other=_one("Bob", 1))  # equal timestamps: a tie
@example(this=_one("Ann", None), other=_one("Bob", None))  # both undated: a tie
@example(this=_one("Ann", None), other=_one("Bob", 2))  # the dated side wins
@example(this=_one("Ann", 3), other=_one("Bob", None))
def test_newer_is_symmetric(this: dict[str, Any], other: dict[str, Any]) -> None:
    """Swapping the sides swaps the winners and keeps the result, except that a tie keeps
    THIS on both sides."""
    with pair_of(this, other) as forward, pair_of(other, this) as backward:
        there = _fields(forward.plan("replace-newer"))
        back = _fields(backward.plan("replace-newer"))
    assert set(there) == set(back)
    for key, (winner, tie, this_value, other_value) in there.items():
        b_winner, b_tie, b_this, b_other = back[key]
        assert (b_this, b_other) == (other_value, this_value), key
        if tie:
            assert (winner, b_winner, b_tie) == (Side.THIS, Side.THIS, True), key
        else:
            assert not b_tie, key
            assert {winner, b_winner} == {Side.THIS, Side.OTHER} or this_value == other_value
            result = this_value if winner is Side.THIS else other_value
            b_result = b_this if b_winner is Side.THIS else b_other
            assert result == b_result, key


def _fields(plan: Any) -> dict[tuple[str, str, str], tuple[Side, bool, Any, Any]]:
    """(resource, uuid, field) → (winner, tie, THIS value, OTHER value) of update vectors."""
    return {
        (v.resource, v.uuid, o.name): (o.winner, o.tie, o.this, o.other)
        for v in plan.vectors
        if v.method is Method.UPDATE and v.action is not Action.ERROR
        for o in outcomes(v)
    }


# ----- two databases syncing each other converge

# Timestamps never equal across the sides (A's even hours, B's odd ones), and never both
# missing: NEWER has no tie to keep THIS on, so the two must end up equal.
even_or_undated = st.one_of(st.none(), st.sampled_from([0, 2, 4]))
odd = st.sampled_from([1, 3, 5])


@DETERMINISTIC
@given(a=people(even_or_undated), b=people(odd))
@example(a=_one("Ann", None), b=_one("Bob", 1))
@example(a=_one("Ann", 4), b=_one("Bob", 1))
def test_two_databases_syncing_each_other_converge(a: dict[str, Any], b: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases("sqlite", Path(tmp), None)
        try:
            first, second = dbs.build(a), dbs.build(b, id_offset=1000)
            a_from_b = Pair(first, second)
            dbs.pairs.append(a_from_b)
            a_from_b.commit(policy="replace-newer")
            b_from_a = Pair(second, first)
            dbs.pairs.append(b_from_a)
            b_from_a.commit(policy="replace-newer")
            assert _synced(b_from_a, "other") == _synced(b_from_a, "this")
            check = Pair(first, second)
            dbs.pairs.append(check)
            again = check.plan("replace-newer")
            assert [v for v in again.vectors if v.action is not Action.UNCHANGED] == []
        finally:
            dbs.close()


def _synced(pair: Pair, side: str) -> dict[tuple[str, str], dict[str, Any]]:
    dataset = pair.this if side == "this" else pair.other
    return {(r.resource, r.uuid): dict(r.values) for r in dataset.records(pair.this.schema)}
