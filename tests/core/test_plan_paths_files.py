"""OTHER as an exchange file: the raw path (records compared as read, typed only when
they may differ) gives the plan of the straightforward path, field by field.

The files are written by hand against the generated THIS of test_plan_paths.py, one
record per kind of difference the reading or the raw comparison could get wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from builders import Databases, Pair, urn
from test_plan_paths import (  # noqa: F401
    _EXTRA,
    EDEN,
    _counting,
    _eden_database,
    _other_rows,
    _this_rows,
    assert_same_plan,
    both_paths,
    generated,
)

from core.export import export
from core.sources.multi import Combined
from core.sources.open import open_other

T = "2024-05-01T10:00:00"


def _person(n: int, *cells: str, meta: str = f'modified_on="{T}"', name: str = "") -> str:
    name = name or f"P{n}"
    body = "".join(cells) or (
        f'<data field="name">{name}</data><data field="age" value="{n}"/>'
        f'<reference field="location_id" resource="location" uuid="{urn(90)}"/>'
    )
    return f'<resource name="person" uuid="{urn(n)}" {meta}>{body}</resource>'


def _same(n: int, **more: str) -> str:
    return _person(n, **more)


RECORDS = [
    # unchanged, OTHER's time written another way than THIS's ('... .000000')
    _person(1, '<data field="name">P1</data><data field="note" value="[1]"/>'),
    # the same text as THIS's time: OTHER's time is never parsed
    _same(3, meta='modified_on="2024-05-01 10:00:00.000000"'),
    _same(4, meta=f'modified_on="{T}" created_on="soon"'),  # bad meta in OTHER
    _same(7, meta=f'modified_on="{T}" mci="x"'),
    _same(8, meta=f'modified_on="{T}" deleted="false" mci="3" created_on="{T}"'),
    _same(9, meta=f'modified_on="{T}" deleted=""'),
    _same(13, meta=f'modified_on="{T}" deleted="yes"'),
    _same(15, meta='modified_on="2024-05-01T12:00:00+02:00"'),  # the same instant
    _same(16, meta='modified_on="2024-05-01T10:00"'),
    _same(17, meta='modified_on="  2024-05-01T10:00:00"'),
    _same(18, meta='modified_on="2024-05-01T25:00:00"'),  # not a time
    _person(11, '<data field="name">P11</data><data field="age">11</data>'),  # text, '11' in THIS
    _person(14, '<data field="age" value="014"/>'),  # not JSON: the text types to 14
    _person(2, '<data field="name">P2</data><data>no field</data>'),
    _person(10, f'<reference field="location_id" resource="person" uuid="{urn(90)}"/>'),
    _person(12, '<data field="name" value="&quot;P12&quot;"/>'),  # JSON text
    _person(19, '<data field="born">1990-02-30</data>'),  # as bad as THIS's
    _person(20, '<data field="flag" value="true"/>'),  # THIS's flag is bad
    _person(21, '<data field="name">P21</data>'),  # THIS's created_on is bad
    _person(5, '<data field="name">P5</data>'),  # deleted in THIS
    _person(6, '<data field="name">P6</data>', meta=f'modified_on="{T}" deleted="true"'),
    _person(
        22,
        '<data field="seen">2024-01-01T08:00:00Z</data><data field="born">1990-01-31</data>'
        '<data field="flag" value="1"/><data field="score" value="1.50"/>'
        '<data field="zzz">unknown field</data>',
    ),
    _person(23, '<data field="age" value=""/><data field="score" value="1.5"/>'),
    _person(24, '<data field="age"></data><data field="name"></data>'),
    _person(25, f'<data field="location_id">{urn(90)}</data>'),  # a reference in a data cell
    _person(26, f'<reference field="location_id" uuid="[&quot;{urn(90)}&quot;]"/>'),
    _person(27, '<reference field="location_id" resource="location"/>'),  # no uuid: NULL
    # components: the same master, another master, a link cell, one without a uuid
    _person(
        28,
        f'<resource name="address" uuid="{urn(101)}"><data field="street">S1</data></resource>'
        f'<resource name="address" uuid="{urn(102)}"><data field="street">S2</data></resource>',
        meta=f'modified_on="{T}"',
    ),
    f'<resource name="address" uuid="{urn(103)}"><data field="person_id">{urn(3)}</data>'
    '<data field="street">S3</data></resource>',
    f'<resource name="address" uuid="{urn(104)}"><reference field="person_id" '
    f'resource="person" uuid="{urn(4)}"/><data field="street">S4</data></resource>',
    f'<resource name="address" uuid="{urn(105)}"><data field="street">S5</data></resource>',
    f'<resource name="location" uuid="{urn(90)}" modified_on="{T}"><data field="name">Town'
    f'</data><resource name="address" uuid="{urn(140)}"/></resource>',
    f'<resource name="location" uuid="{urn(91)}" modified_on="{T}"/>',
    '<resource name="nope" uuid="x"><data field="a">1</data></resource>',
    '<resource name="person"><data field="name">No uuid</data></resource>',
    "<resource><data field='name'>No name</data></resource>",
    # repeats: read differently but typed alike (one record), and truly different
    _same(29, meta=f'modified_on="{T}"'),
    _same(29, meta='modified_on="2024-05-01 10:00:00"'),
    _same(30),
    _same(30, name="Other"),
    _same(31),
    _same(31),  # read the same
]


def _xml(records: list[str]) -> str:
    return "<s3xml>" + "".join(records) + "</s3xml>"


@pytest.fixture
def more_persons(generated: Pair) -> Pair:  # noqa: F811
    """THIS and OTHER with persons 22-31 too, as THIS holds 1-21."""
    import sqlite3

    with sqlite3.connect(generated.this_target) as conn:
        for n in range(22, 32):
            conn.execute(
                "INSERT INTO person (id, uuid, name, age, location_id, modified_on, seen, born,"
                " flag, score) SELECT ?, ?, ?, ?, location_id, modified_on, seen, born, flag,"
                " score FROM person WHERE id = (SELECT min(id) FROM person)",
                (1000 + n, urn(n), f"P{n}", n),
            )
    return generated


def test_s3xml_every_kind_of_difference(
    more_persons: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "other.xml"
    path.write_text(_xml(RECORDS), encoding="utf-8")
    answers = _counting(monkeypatch)
    other = open_other(path)
    fast, oracle = both_paths(more_persons.this, Combined([other]))
    assert True in answers and False in answers
    actions = {v.identity: v.action.value for v in oracle.vectors}
    assert actions[("person", urn(4))] == "error" and actions[("person", urn(19))] == "error"
    assert ("person", urn(29)) not in actions  # its repeat types the same
    assert actions[("person", urn(30))] == "error"
    assert any("nope" in w for w in oracle.warnings) and any("zzz" in w for w in oracle.warnings)
    assert_same_plan(fast, oracle)


def test_repeats_read_differently_are_settled_by_their_typed_content(
    more_persons: Pair, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_text(_xml([_same(29), _same(30), _same(1)]), encoding="utf-8")
    second.write_text(
        _xml([_same(29, meta='modified_on="2024-05-01 10:00:00"'), _same(30, name="X")]),
        encoding="utf-8",
    )
    other = Combined([open_other(first), open_other(second)])
    fast, oracle = both_paths(more_persons.this, other)
    assert other.unsure == {("person", urn(29)), ("person", urn(30))}
    assert [v.uuid for v in oracle.vectors if v.problems] == [urn(30)]
    assert_same_plan(fast, oracle)


@pytest.mark.parametrize("count", [1, 3])
def test_many_records_cross_batches(more_persons: Pair, tmp_path: Path, count: int) -> None:
    """Over one batch of THIS lookups, with the records in a different order each time."""
    records = [_same(n) for n in range(1, 32)] * count
    path = tmp_path / "other.xml"
    path.write_text(_xml(records[::-1]), encoding="utf-8")
    fast, oracle = both_paths(more_persons.this, open_other(path))
    assert_same_plan(fast, oracle)


def _json_record(n: int, **more: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"@uuid": urn(n), "@modified_on": T, "name": f"P{n}"}
    record["age"] = {"@value": n}
    record["$k_location_id"] = {"@resource": "location", "@uuid": urn(90)}
    record.update(more)
    return record


def test_s3json_every_kind_of_difference(
    more_persons: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    persons = [
        _json_record(1),
        _json_record(3, **{"@modified_on": "2024-05-01 10:00:00.000000"}),
        _json_record(4, **{"@created_on": "soon"}),
        _json_record(7, **{"@mci": 1.5}),
        _json_record(8, **{"@deleted": False, "@mci": 3}),
        _json_record(13, **{"@deleted": True}),
        _json_record(11, age="11"),
        _json_record(14, age={"$": "14"}),
        _json_record(15, age=15.0),
        _json_record(16, age=True),
        _json_record(17, name={"@value": "P17"}),
        _json_record(18, name=18),
        _json_record(19, born="1990-02-30"),
        _json_record(20, flag={"@value": True}),
        _json_record(22, seen="2024-01-01T08:00:00Z", score={"@value": 1.5}, zzz=1),
        _json_record(23, **{"$k_location_id": [{"@uuid": urn(90)}]}),
        _json_record(24, **{"@uuid": 24}),
        _json_record(25, **{"$k_location_id": urn(90)}),
        _json_record(26, age="", born={"$": "1990-01-31"}, seen={"@value": None}),
        _json_record(27, **{"$k_location_id": {"@uuid": 27}}),
        {
            "@uuid": urn(28),
            "@modified_on": T,
            "name": "P28",
            "$_address": [{"@uuid": urn(101), "street": "S1"}, {"@uuid": urn(102), "street": "S2"}],
        },
        _json_record(29),
        _json_record(29, **{"@modified_on": "2024-05-01 10:00:00"}),
        _json_record(30),
        _json_record(30, name="Other"),
        "not a record",
    ]
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"$_person": persons, "$_nope": [{"@uuid": "x"}]}), "utf-8")
    answers = _counting(monkeypatch)
    other = Combined([open_other(path)])
    fast, oracle = both_paths(more_persons.this, other)
    assert True in answers and False in answers
    assert other.unsure == {("person", urn(29)), ("person", urn(30))}
    assert_same_plan(fast, oracle)


def test_s3json_duplicated_keys_and_repeats(more_persons: Pair, tmp_path: Path) -> None:
    """Records with a key twice are typed as read; their repeats compare typed."""
    one = json.dumps(_json_record(1))[:-1] + ', "name": "P1"}'
    two = json.dumps(_json_record(2, name={"@value": "P2"}))
    three = f'{{"@uuid": "{urn(3)}", "name": "P3", "age": {{"@value": 3, "@value": 3}}}}'
    location = f'"@uuid": "{urn(90)}"}}'
    four = json.dumps(_json_record(4))[:-1].replace(location, f'"@uuid": "{urn(90)}", {location}')
    text = '{"$_person": [' + ", ".join([one, one, two, three, four + "}"]) + "]}"
    path = tmp_path / "other.json"
    path.write_text(text, "utf-8")
    fast, oracle = both_paths(more_persons.this, Combined([open_other(path)]))
    errors = {v.uuid for v in oracle.vectors if v.problems}
    assert errors == {urn(1), urn(3), urn(4)}
    assert_same_plan(fast, oracle)


@pytest.mark.parametrize("form", ["s3xml", "s3json"])
def test_exported_files_against_either_engine(
    dbs: Databases, tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """THIS on PostgreSQL reads times, flags and numbers as native values, not text."""
    pair = dbs.pair(_this_rows(), _other_rows(), this_shape=_EXTRA, other_shape=_EXTRA)
    target = tmp_path / ("other.xml" if form == "s3xml" else "other.json")
    export(pair.other, target, form)
    answers = _counting(monkeypatch)
    fast, oracle = both_paths(pair.this, open_other(target))
    assert True in answers and fast.vectors
    assert_same_plan(fast, oracle)


@pytest.mark.parametrize(
    "damage",
    [
        "",  # the masters found through the map
        # two persons share a super-entity key: the join decides which master a row has
        "UPDATE pr_person SET pe_id = (SELECT min(pe_id) FROM pr_person)"
        " WHERE id = (SELECT max(id) FROM pr_person)",
        "UPDATE pr_address SET pe_id = 99999 WHERE id = (SELECT min(id) FROM pr_address)",
        "UPDATE pr_address SET pe_id = NULL WHERE id = (SELECT max(id) FROM pr_address)",
        "UPDATE pr_person SET uuid = upper(uuid)",  # the masters' uuids as stored
    ],
)
def test_eden_masters_looked_up_once(
    tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Components compared raw have their masters' uuids from one read of each master
    table (Eden's pe_id is not indexed); the plan is the joined read's."""
    import sqlite3

    this = _eden_database(tmp_path / "this.db", "01-seeded-pr_person-addr_contact.xml")
    try:
        if damage:
            with sqlite3.connect(tmp_path / "this.db") as conn:
                conn.execute(damage)
        answers = _counting(monkeypatch)
        export = EDEN / "eden-exports" / "02-mutated-pr_person-addr_contact-deleted.xml"
        fast, oracle = both_paths(this, open_other(export))
        assert True in answers
        assert_same_plan(fast, oracle)
    finally:
        this.close()
