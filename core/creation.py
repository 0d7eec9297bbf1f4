"""Creating a record the way the target's own importer would (docs/semantics.md, Commit).

- **Model defaults**: a mapping may carry the defaults a model applies in code rather than
  in SQL (Eden's `pr_contact.access = 1`, `pr_person.missing = False`, …); a created
  record gets them for every column OTHER does not set (absent: a NULL that a database
  OTHER holds is a value, and is written).
- **uuid spelling**: a created record's uuid is written the way THIS's table already
  spells its uuids (with or without `urn:uuid:`), so THIS never holds a mix.
- **The acting user** (`--as-user EMAIL|ID`, looked up in `auth_user`): `created_by`,
  `modified_by` and `owned_by_user` of a created record are set to it, and `modified_by`
  of an updated or deleted one, as Eden's importer does for the logged-in user.

Columns are only ever written when THIS's table has them (reflected, ignored ones too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from core.journal import Image
from core.mapping import Mapping
from core.schema import Resource
from core.values import encoder

USER_TABLE = "auth_user"
_AUDIT_ON_CREATE = ("created_by", "modified_by", "owned_by_user")
_URN = "urn:uuid:"
_HEX = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class UnknownUser(ValueError):
    """`--as-user` names no row of auth_user."""


def find_user(conn: sa.Connection, spec: str) -> int:
    """The id of the auth_user row with that email (case-insensitive) or id."""
    if USER_TABLE not in sa.inspect(conn).get_table_names():
        raise UnknownUser(f"--as-user {spec}: THIS has no {USER_TABLE} table")
    users = sa.table(USER_TABLE, sa.column("id"), sa.column("email"))
    if spec.strip().isdigit():
        query = sa.select(users.c.id).where(users.c.id == int(spec))
    else:
        query = sa.select(users.c.id).where(sa.func.lower(users.c.email) == spec.strip().lower())
    found: list[Any] = list(conn.execute(query).scalars().all())
    if len(found) != 1:
        raise UnknownUser(f"--as-user {spec}: no single {USER_TABLE} row with that email or id")
    return int(found[0])


class Creation:
    """What a created row gets besides OTHER's values; one per commit transaction."""

    def __init__(
        self,
        conn: sa.Connection,
        mapping: Mapping,
        dialect: str,
        user: int | None = None,
        resources: Iterable[Resource] = (),
    ) -> None:
        self.conn, self.mapping, self.dialect, self.user = conn, mapping, dialect, user
        # An empty table spells uuids the way the rest of THIS does.
        self.resources = list(resources)
        self._columns: dict[str, set[str]] = {}
        self._prefixed: dict[str, bool | None] = {}
        self._database_prefixed: bool | None = None

    def columns(self, table: str) -> set[str]:
        if table not in self._columns:
            found = sa.inspect(self.conn).get_columns(table)
            self._columns[table] = {c["name"] for c in found}
        return self._columns[table]

    def spell_uuid(self, res: Resource, canonical: str) -> str:
        """`canonical` (`urn:uuid:<hex>`) as THIS's table writes its uuids."""
        return self.spell_in(res.name, res.meta.uuid, canonical)

    def spell_in(self, table: str, column: str, canonical: str) -> str:
        bare = canonical[len(_URN) :] if canonical.startswith(_URN) else None
        if bare is None or not _HEX.match(bare):
            return canonical  # not an RFC 4122 uuid: written as OTHER gave it
        prefixed = self._table_prefixed(table, column)
        if prefixed is None:
            prefixed = self._everywhere_prefixed()
        return canonical if prefixed else bare

    def _table_prefixed(self, table: str, column: str) -> bool | None:
        if table not in self._prefixed:
            self._prefixed[table] = self._uses_prefix(table, column)
        return self._prefixed[table]

    def _everywhere_prefixed(self) -> bool:
        """The spelling of the first resource of THIS that holds uuids (the prefix when
        none does: the canonical form)."""
        if self._database_prefixed is None:
            found = (self._table_prefixed(r.name, r.meta.uuid) for r in self.resources)
            self._database_prefixed = next((p for p in found if p is not None), True)
        return self._database_prefixed

    def _uses_prefix(self, table: str, column: str) -> bool | None:
        """Whether the table writes its uuids with `urn:uuid:`; None when it has none."""
        plain = sa.table(table, sa.column(column))
        found: Iterable[Any] = self.conn.execute(
            sa.select(plain.c[column]).where(plain.c[column].is_not(None)).limit(20)
        ).scalars()
        spelled = [str(v).strip() for v in found if _HEX.match(_bare(str(v)).lower())]
        if not spelled:
            return None
        return any(v[: len(_URN)].lower() == _URN for v in spelled)

    def complete(self, res: Resource, row: dict[str, Any]) -> dict[str, Any]:
        """`row` (encoded) with the model defaults and the acting user filled in."""
        present = self.columns(res.name)
        done = dict(row)
        for name, value in self.mapping.defaults_for(res.name).items():
            if name in present and name not in done:  # a NULL OTHER sends is its value
                done[name] = self._encode(res, name, value)
        if self.user is not None:
            for name in _AUDIT_ON_CREATE:
                if name in present and done.get(name) is None:
                    done[name] = self.user
        return done

    def touched(self, res: Resource, key: Any, uuid: str) -> list[Image]:
        """After an update or a deletion: `modified_by` becomes the acting user (as Eden
        stamps every write), journaled apart so a revert puts the old one back."""
        if self.user is None or "modified_by" not in self.columns(res.name) or res.pk is None:
            return []
        table = sa.table(res.name, sa.column(res.pk), sa.column("modified_by"))
        where = table.c[res.pk] == key
        before = self.conn.execute(sa.select(table.c.modified_by).where(where)).scalar()
        if before == self.user:
            return []
        self.conn.execute(sa.update(table).where(where).values(modified_by=self.user))
        return [
            Image(res.name, uuid, key, "audit", {"modified_by": before}, {"modified_by": self.user})
        ]

    def _encode(self, res: Resource, name: str, value: Any) -> Any:
        column = res.columns.get(name)
        return value if column is None else encoder(column, self.dialect)(value)


def insert_table(res: Resource, row: dict[str, Any]) -> sa.TableClause:
    """An untyped table clause naming the pk and every column of `row`."""
    names = dict.fromkeys([res.pk, *row]) if res.pk else dict.fromkeys(row)
    return sa.table(res.name, *(sa.column(name) for name in names))


def _bare(value: str) -> str:
    return value[len(_URN) :] if value[: len(_URN)].lower() == _URN else value
