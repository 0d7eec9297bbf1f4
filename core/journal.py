"""The commit journal kept in THIS: one row per commit, one image row per touched record.

Images hold raw column values (JSON) before and after the commit, so a commit can be
inspected and reverted without the OTHER source.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.batching import ROWS_PER_WRITE, Prepared, chunks

JOURNAL = "truce_journal"
IMAGES = "truce_journal_image"

_metadata = sa.MetaData()
journal_table = sa.Table(
    JOURNAL,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("committed_at", sa.String(40), nullable=False),
    sa.Column("this_source", sa.Text, nullable=False),
    sa.Column("other_source", sa.Text, nullable=False),
    sa.Column("policy", sa.Text, nullable=False),
    sa.Column("counts", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
)
image_table = sa.Table(
    IMAGES,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("journal_id", sa.Integer, sa.ForeignKey(f"{JOURNAL}.id"), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Column("record_uuid", sa.Text, nullable=False),
    sa.Column("record_key", sa.Text, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
)


_IMAGE_COLUMNS = [c.name for c in image_table.c if c.name != "id"]


@dataclass(frozen=True, slots=True)
class Image:
    resource: str
    uuid: str
    key: Any
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def ensure_tables(conn: sa.Connection) -> None:
    _metadata.create_all(conn, checkfirst=True)


def write_entry(
    conn: sa.Connection,
    *,
    this_source: str,
    other_source: str,
    policy: str,
    counts: dict[str, int],
    images: list[Image],
    note: str | None = None,
) -> int:
    """Record one commit in the open transaction; returns the journal id."""
    ensure_tables(conn)
    result = conn.execute(
        journal_table.insert()
        .values(
            committed_at=datetime.now(UTC).isoformat(timespec="seconds"),
            this_source=this_source,
            other_source=other_source,
            policy=policy,
            counts=json.dumps(counts, sort_keys=True),
            note=note,
        )
        .returning(journal_table.c.id)
    )
    journal_id: int = result.scalar_one()
    rows = (
        {
            "journal_id": journal_id,
            "seq": n,
            "resource": i.resource,
            "record_uuid": i.uuid,
            "record_key": _key_text(i.key),
            "action": i.action,
            "before": _dump(i.before),
            "after": _dump(i.after),
        }
        for n, i in enumerate(images)
    )
    insert = Prepared(
        conn, image_table.insert().values({c: sa.bindparam(c) for c in _IMAGE_COLUMNS})
    )
    for batch in chunks(rows, ROWS_PER_WRITE):  # one executemany per batch
        insert.send(conn, batch)
    return int(journal_id)


def jsonable(value: Any) -> Any:
    """A JSON form of a raw column value that `restore` can turn back into the same value."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def restore(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "$datetime":
            return datetime.fromisoformat(text)
        if tag == "$date":
            return date.fromisoformat(text)
        if tag == "$decimal":
            return Decimal(text)
        if tag == "$bytes":
            return base64.b64decode(text)
    return value


def _tagged(value: Any) -> Any:
    tagged = jsonable(value)
    if tagged is value:
        raise TypeError(f"cannot journal a {type(value).__name__}")
    return tagged


# The encoder calls `_tagged` only for values JSON has no form for (times, decimals,
# bytes), so the common values cost no Python call each.
_IMAGE_ENCODER = json.JSONEncoder(sort_keys=True, default=_tagged)


def _dump(image: dict[str, Any] | None) -> str | None:
    return None if image is None else _IMAGE_ENCODER.encode(image)


def _key_text(key: Any) -> str:
    if type(key) is int:  # the usual key: JSON spells it as Python does
        return str(key)
    return json.dumps(jsonable(key))


class JournalError(ValueError):
    """A journal row Truce cannot have written (edited outside it): bad input, exit 2."""


# ----- reading the journal back (`truce journal`, `truce revert`)
@dataclass(frozen=True, slots=True)
class Entry:
    """One journaled commit."""

    id: int
    committed_at: str
    this_source: str
    other_source: str
    policy: str
    counts: dict[str, int]
    note: str | None


def has_journal(conn: sa.Connection) -> bool:
    return sa.inspect(conn).has_table(JOURNAL)


def entries(conn: sa.Connection) -> list[Entry]:
    """Every journaled commit, oldest first; none when THIS has no journal yet."""
    if not has_journal(conn):
        return []
    rows = conn.execute(sa.select(journal_table).order_by(journal_table.c.id)).mappings()
    return [_entry(row) for row in rows]


def entry(conn: sa.Connection, journal_id: int) -> Entry | None:
    if not has_journal(conn):
        return None
    row = (
        conn.execute(sa.select(journal_table).where(journal_table.c.id == journal_id))
        .mappings()
        .first()
    )
    return None if row is None else _entry(row)


def images(conn: sa.Connection, journal_id: int) -> list[Image]:
    """The images of one commit in the order they were written."""
    stmt = (
        sa.select(image_table)
        .where(image_table.c.journal_id == journal_id)
        .order_by(image_table.c.seq)
    )
    found = []
    for row in conn.execute(stmt).mappings():
        try:
            image = Image(
                row["resource"],
                row["record_uuid"],
                restore(json.loads(row["record_key"])),
                row["action"],
                _load(row["before"]),
                _load(row["after"]),
            )
        except (ValueError, TypeError, AttributeError, binascii.Error):
            raise JournalError(
                f"{IMAGES} row id={row['id']} (commit {journal_id}, "
                f"{row['resource']} {row['record_uuid']}) is damaged: not a before/after image "
                "Truce wrote; the journal was edited outside Truce"
            ) from None
        found.append(image)
    return found


def _entry(row: Any) -> Entry:
    try:
        counts = json.loads(row["counts"])
        if not isinstance(counts, dict):
            raise TypeError(counts)
    except (ValueError, TypeError):
        raise JournalError(
            f"{JOURNAL} row id={row['id']} is damaged: its counts are not what Truce wrote"
        ) from None
    return Entry(
        int(row["id"]),
        row["committed_at"],
        row["this_source"],
        row["other_source"],
        row["policy"],
        counts,
        row["note"],
    )


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return {str(k): restore(v) for k, v in json.loads(text).items()}
