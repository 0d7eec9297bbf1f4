"""Creates the way Eden's importer would (docs/semantics.md, Commit; docs/eden.md): model
defaults for what OTHER does not set, `--as-user` audit columns, the onaccept warning,
and created uuids spelled the way THIS's table spells them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from builders import Databases, at, create_eden_database, uid, urn
from test_eden import STAMP, eden_person, pentity

from core.cli import main
from core.identity import canonical_uuid

PERSON, CONTACT, OTHER_CONTACT = urn(31), urn(32), urn(33)
ADMIN = {"id": 7, "first_name": "Admin", "email": "Admin@Example.com", "uuid": urn(99)}

FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<s3xml>
  <resource name="pr_person" uuid="{PERSON}" modified_on="2024-05-02T10:00:00Z">
    <data field="first_name">Cid</data>
    <resource name="pr_contact" uuid="{CONTACT}" modified_on="2024-05-02T10:00:00Z">
      <data field="contact_method" value="&quot;EMAIL&quot;">Email</data>
      <data field="value">cid@example.com</data>
    </resource>
    <resource name="pr_contact" uuid="{OTHER_CONTACT}" modified_on="2024-05-02T10:00:00Z">
      <data field="value">+94 77 000 0000</data>
      <data field="access" value="2">Public</data>
      <data field="poll" value="true">True</data>
    </resource>
  </resource>
</s3xml>
"""


@pytest.fixture
def eden_this(sqlite_dbs: Databases) -> str:
    target = sqlite_dbs.new_target()
    engine = sa.create_engine(f"sqlite:///{target}")
    create_eden_database(
        engine,
        {
            "auth_user": [ADMIN],
            "pr_pentity": [pentity(1, urn(1))],
            "pr_person": [eden_person(1, urn(1), "Ann", 1)],
        },
    )
    engine.dispose()
    return target


def _rows(target: str, table: str) -> dict[str, dict]:
    engine = sa.create_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()
    engine.dispose()
    return {canonical_uuid(r["uuid"]): dict(r) for r in rows}


def _commit(this: str, feed: Path, *extra: str) -> int:
    return main(["commit", this, str(feed), "--mapping", "eden", "--yes", *extra])


def test_created_records_get_eden_model_defaults_the_user_and_the_warning(
    eden_this: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, encoding="utf-8")
    assert _commit(eden_this, feed, "--as-user", "admin@example.com") == 0
    err = capsys.readouterr().err
    assert err.count("warning: Eden derives some values in its onaccept code") == 1
    assert "base location" in err and "root_organisation" in err

    person = _rows(eden_this, "pr_person")[PERSON]
    assert (person["missing"], person["deceased"], person["gender"]) == ("F", "F", 1)
    assert person["mci"] == 0 and person["deleted"] == "F"
    assert (person["created_by"], person["modified_by"], person["owned_by_user"]) == (7, 7, 7)
    contacts = _rows(eden_this, "pr_contact")
    mail, phone = contacts[CONTACT], contacts[OTHER_CONTACT]
    assert (mail["access"], mail["poll"], mail["priority"]) == (1, "F", 1)
    assert mail["contact_method"] == "EMAIL" and mail["created_by"] == 7
    # What OTHER sets is kept, defaults only fill the gaps.
    assert (phone["access"], phone["poll"], phone["contact_method"]) == (2, "T", "SMS")
    # The person's super-entity row carries its uuid, spelled as THIS spells uuids.
    pentities = _rows(eden_this, "pr_pentity")
    assert pentities[PERSON]["uuid"] == person["uuid"] == PERSON


def test_without_as_user_the_audit_columns_stay_empty(eden_this: str, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, encoding="utf-8")
    assert _commit(eden_this, feed, "-q") == 0
    person = _rows(eden_this, "pr_person")[PERSON]
    assert person["created_by"] is None and person["missing"] == "F"


@pytest.mark.parametrize("spec", ["7", "ADMIN@example.com"])
def test_as_user_by_id_or_email(eden_this: str, tmp_path: Path, spec: str) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, encoding="utf-8")
    assert _commit(eden_this, feed, "-q", "--as-user", spec) == 0
    assert _rows(eden_this, "pr_person")[PERSON]["owned_by_user"] == 7


def test_an_unknown_user_is_bad_input_and_nothing_is_written(
    eden_this: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, encoding="utf-8")
    assert _commit(eden_this, feed, "--as-user", "nobody@example.com") == 2
    assert "nobody@example.com" in capsys.readouterr().err
    assert PERSON not in _rows(eden_this, "pr_person")


# ----- uuid spelling, in both of THIS's conventions


@pytest.mark.parametrize(
    "this_spelling,other_spelling",
    [(uid, urn), (urn, uid), (lambda n: uid(n).upper(), urn)],
)
def test_created_uuids_keep_this_spelling(
    sqlite_dbs: Databases, this_spelling, other_spelling
) -> None:
    this = {"person": [{"uuid": this_spelling(1), "name": "Ann", "modified_on": at(0)}]}
    other = {
        "person": [
            {"uuid": other_spelling(1), "name": "Ann", "modified_on": at(0)},
            {"uuid": other_spelling(2), "name": "Bob", "modified_on": at(1)},
        ],
        "address": [{"uuid": other_spelling(3), "person_id": other_spelling(2), "street": "x"}],
    }
    pair = sqlite_dbs.pair(this, other)
    pair.commit()
    prefixed = this_spelling(1).startswith("urn:uuid:")
    with pair.this.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT uuid FROM person UNION ALL SELECT uuid FROM address"))
        spelled = {u for (u,) in stored}
    assert len(spelled) == 3
    assert all(u.startswith("urn:uuid:") == prefixed for u in spelled), spelled
    assert uid(2) in {u.removeprefix("urn:uuid:").lower() for u in spelled}


def test_eden_created_uuid_follows_a_bare_eden_table(sqlite_dbs: Databases, tmp_path) -> None:
    target = sqlite_dbs.new_target()
    engine = sa.create_engine(f"sqlite:///{target}")
    create_eden_database(
        engine,
        {"pr_pentity": [pentity(1, uid(1))], "pr_person": [eden_person(1, uid(1), "Ann", 1)]},
    )
    engine.dispose()
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, encoding="utf-8")
    assert _commit(target, feed, "-q") == 0
    person = _rows(target, "pr_person")[PERSON]
    assert person["uuid"] == PERSON.removeprefix("urn:uuid:")
    assert _rows(target, "pr_pentity")[PERSON]["uuid"] == person["uuid"]
    assert STAMP  # the Eden fixtures' timestamp, shared with test_eden


def test_mapping_defaults_and_warning_are_read_and_checked() -> None:
    from core.mapping import MappingError, load_mapping, parse_mapping

    eden = load_mapping("eden")
    assert eden.defaults_for("pr_contact")["access"] == 1
    assert eden.defaults_for("gis_location")["mci"] == 0
    assert eden.commit_warning and "root_organisation" in eden.commit_warning
    assert load_mapping("conventions").defaults_for("pr_contact") == {}
    with pytest.raises(MappingError, match="defaults.pr_contact.access"):
        parse_mapping("[defaults.pr_contact]\naccess = [1]\n", "m.toml")
    with pytest.raises(MappingError, match=r"\[defaults.x\]"):
        parse_mapping("[defaults]\nx = 1\n", "m.toml")


def test_as_user_stamps_modified_by_on_an_update_and_revert_takes_it_back(
    eden_this: str, tmp_path: Path
) -> None:
    from core.mapping import load_mapping
    from core.revert import journal_entries, revert_commit
    from core.sources.sql import SqlDataset

    feed = tmp_path / "update.xml"
    feed.write_text(
        f'<s3xml><resource name="pr_person" uuid="{urn(1)}" modified_on="2024-05-05T10:00:00Z">'
        '<data field="first_name">Anna</data></resource></s3xml>',
        encoding="utf-8",
    )
    assert _commit(eden_this, feed, "-q", "--policy", "replace", "--as-user", "7") == 0
    person = _rows(eden_this, "pr_person")[urn(1)]
    assert (person["first_name"], person["modified_by"]) == ("Anna", 7)
    this = SqlDataset(eden_this, load_mapping("eden"))
    revert_commit(this, journal_entries(this)[-1].id)
    this.close()
    person = _rows(eden_this, "pr_person")[urn(1)]
    assert (person["first_name"], person["modified_by"]) == ("Ann", None)
