"""Eden's sync feeds as OTHER (docs/semantics.md, Several OTHER files): several files read
as one dataset, identical repeats one record, conflicting repeats one error naming both
places, link tables to unsynced tables left out with one warning, one summary line for
keys compared as plain values, places that name the record in one-line files."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from builders import Databases, create_eden_database, urn

from core.cli import main
from core.mapping import load_mapping
from core.matching import build_plan
from core.session import open_other, open_this
from core.sources.sql import SqlDataset
from core.vocabulary import Action

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "eden" / "eden-exports"
SYNC = sorted(FEEDS.glob("02-mutated-sync-*-msince.xml"))
LK = "urn:iso:std:iso:3166:-1:code:LK"


@pytest.fixture
def eden_db(sqlite_dbs: Databases) -> str:
    target = sqlite_dbs.new_target()
    engine = sa.create_engine(f"sqlite:///{target}")
    create_eden_database(engine, {})
    engine.dispose()
    return target


def _plan(this: str, others: list[Path]):
    mapping = load_mapping("eden")
    dataset = open_this(this, mapping)
    plan = build_plan(dataset, open_other([str(p) for p in others], mapping))
    dataset.close()
    return plan


def test_the_sync_feeds_read_as_one_dataset_repeats_are_one_record(eden_db: str) -> None:
    assert len(SYNC) == 4
    plan = _plan(eden_db, SYNC)
    assert [v for v in plan.vectors if v.action is Action.ERROR] == []
    locations = [v for v in plan.vectors if v.resource == "gis_location"]
    assert len({v.uuid for v in locations}) == len(locations) == 6
    assert any(v.uuid == LK for v in locations)
    assert " + " in plan.other_source


def test_places_in_one_line_files_name_the_record(eden_db: str) -> None:
    plan = _plan(eden_db, SYNC)
    places = [v.place for v in plan.vectors]
    assert len(set(places)) == len(places)
    person = next(v for v in plan.vectors if v.resource == "pr_person")
    assert person.place.endswith(f"({person.uuid})") and ", record " in person.place


def _feed(path: Path, name: str) -> Path:
    path.write_text(
        f'<s3xml><resource name="gis_location" uuid="{LK}" modified_on="2024-05-01T10:00:00Z">'
        f'<data field="name">{name}</data></resource></s3xml>',
        encoding="utf-8",
    )
    return path


def test_a_conflicting_repeat_is_one_error_naming_both_places(eden_db: str, tmp_path: Path) -> None:
    first = _feed(tmp_path / "a.xml", "Sri Lanka")
    second = _feed(tmp_path / "b.xml", "Ceylon")
    plan = _plan(eden_db, [first, second])
    [vector] = plan.vectors
    assert vector.action is Action.ERROR
    assert "a.xml" in vector.reason and "b.xml" in vector.reason


def test_an_identical_repeat_within_one_file_is_one_record(eden_db: str, tmp_path: Path) -> None:
    body = (
        f'<resource name="gis_location" uuid="{LK}" modified_on="2024-05-01T10:00:00Z">'
        '<data field="name">Sri Lanka</data></resource>'
    )
    path = tmp_path / "twice.xml"
    path.write_text(f"<s3xml>{body}{body}</s3xml>", encoding="utf-8")
    [vector] = _plan(eden_db, [path]).vectors
    assert vector.action is Action.CREATE


def test_a_database_cannot_be_combined(eden_db: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="several OTHER sources"):
        open_other([eden_db, str(_feed(tmp_path / "a.xml", "x"))], load_mapping("eden"))


def test_cli_preview_takes_several_files(eden_db: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["preview", eden_db, *map(str, SYNC), "--mapping", "eden"]) == 0
    out = capsys.readouterr().out
    assert "gis_location" in out and "error" in out


# ----- tables Truce cannot sync, said once


def test_link_table_to_an_unsynced_table_is_left_out_with_one_warning(
    eden_db: str, tmp_path: Path
) -> None:
    engine = sa.create_engine(f"sqlite:///{eden_db}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            'CREATE TABLE pr_person_user ("id" INTEGER PRIMARY KEY, '
            '"pe_id" INTEGER REFERENCES pr_pentity (pe_id) ON DELETE CASCADE, '
            '"user_id" INTEGER REFERENCES auth_user (id) ON DELETE CASCADE, '
            '"uuid" VARCHAR(128), "deleted" CHAR(1), "modified_on" TIMESTAMP)'
        )
    engine.dispose()
    feed = tmp_path / "links.xml"
    links = "".join(
        f'<resource name="pr_person_user" uuid="{urn(n)}">'
        f'<reference field="user_id" resource="auth_user" uuid="{urn(50 + n)}"/></resource>'
        for n in range(3)
    )
    feed.write_text(f"<s3xml>{links}</s3xml>", encoding="utf-8")
    plan = _plan(eden_db, [feed])
    assert plan.vectors == []
    left_out = [w for w in plan.warnings if w.startswith("pr_person_user: left out")]
    assert left_out == [
        "pr_person_user: left out: it links to auth_user, which the mapping does not sync"
    ]


def test_keys_to_tables_without_uuid_are_one_summary_line(sqlite_dbs: Databases) -> None:
    target = sqlite_dbs.new_target()
    engine = sa.create_engine(f"sqlite:///{target}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE region (id INTEGER PRIMARY KEY, name TEXT)")
        for table in ("person", "place"):
            conn.exec_driver_sql(
                f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, uuid TEXT, "
                "region_id INTEGER REFERENCES region (id), "
                "other_region INTEGER REFERENCES region (id))"
            )
    engine.dispose()
    dataset = SqlDataset(target)
    plain = [w for w in dataset.schema.warnings if "plain value" in w]
    dataset.close()
    assert plain == [
        "4 foreign key(s) point at tables without a uuid and are compared as plain values, "
        "in: person, place"
    ]
