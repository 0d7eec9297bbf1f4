"""Build THIS/OTHER database pairs from compact descriptions, on SQLite or PostgreSQL.

The tables have the shape of the conventions (docs/semantics.md, Sources)::

    location(id, uuid, name, parent → location, meta…)          parent is a reference
    person(id, uuid, name NOT NULL, age, location_id → location, meta…)
    address(id, uuid, person_id → person ON DELETE CASCADE, street, location_id, meta…)

A dataset is described as ``{"person": [{"uuid": P1, "name": "Ann", ...}], ...}``.
Foreign key columns take the *uuid* of the target row (as written in the same dataset);
the builder turns it into that row's local id. Ids are assigned per database with a
different offset on each side, so a test passes only when references travel as uuids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.commit import CommitReport, commit_plan
from core.identity import canonical_uuid
from core.mapping import CONVENTIONS
from core.mapping import Mapping as SchemaMapping
from core.matching import build_plan
from core.plan import Plan
from core.policy import FALLBACK, Policy, preset
from core.sources.sql import SqlDataset

TABLE_ORDER = ("location", "person", "address")
# (table, column) → referenced table
FOREIGN_KEYS = {
    ("location", "parent"): "location",
    ("person", "location_id"): "location",
    ("address", "person_id"): "person",
    ("address", "location_id"): "location",
}
T0 = datetime(2024, 5, 1, 10, 0, 0)


def at(hours: float) -> datetime:
    """A naive UTC timestamp `hours` after 2024-05-01 10:00."""
    return T0 + timedelta(hours=hours)


def uid(n: int) -> str:
    """A bare RFC 4122 uuid, distinct per `n` (the form most tests write)."""
    return f"00000000-0000-4000-8000-{n:012x}"


def urn(n: int) -> str:
    return "urn:uuid:" + uid(n)


@dataclass(frozen=True)
class Shape:
    """Deviations from the default tables, each keyed "table.column"."""

    not_null: frozenset[str] = frozenset()
    nullable: frozenset[str] = frozenset()
    drop: frozenset[str] = frozenset()
    types: Mapping[str, sa.types.TypeEngine] = field(default_factory=dict)
    extra: Mapping[str, sa.types.TypeEngine] = field(default_factory=dict)


def shape(**kwargs: Any) -> Shape:
    sets = {k: frozenset(v) for k, v in kwargs.items() if k in ("not_null", "nullable", "drop")}
    rest = {k: v for k, v in kwargs.items() if k not in sets}
    return Shape(**sets, **rest)


def _metadata(spec: Shape) -> sa.MetaData:
    md = sa.MetaData()

    def col(table: str, name: str, type_: Any, *args: Any, nullable: bool = True) -> Any:
        key = f"{table}.{name}"
        if key in spec.drop:
            return None
        if key in spec.not_null:
            nullable = False
        if key in spec.nullable:
            nullable = True
        return sa.Column(name, spec.types.get(key, type_), *args, nullable=nullable)

    def meta(table: str) -> list[Any]:
        return [
            col(table, "modified_on", sa.DateTime()),
            col(table, "created_on", sa.DateTime()),
            col(table, "deleted", sa.Boolean()),
            col(table, "mci", sa.Integer()),
        ]

    def extra(table: str) -> list[Any]:
        return [
            sa.Column(k.split(".", 1)[1], t)
            for k, t in spec.extra.items()
            if k.startswith(table + ".")
        ]

    def table(name: str, *columns: Any) -> None:
        sa.Table(
            name,
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            col(name, "uuid", sa.String(64)),
            *(c for c in (*columns, *meta(name), *extra(name)) if c is not None),
        )

    table(
        "location",
        col("location", "name", sa.String(80)),
        col("location", "parent", sa.Integer, sa.ForeignKey("location.id")),
    )
    table(
        "person",
        col("person", "name", sa.String(80), nullable=False),
        col("person", "age", sa.Integer),
        col("person", "location_id", sa.Integer, sa.ForeignKey("location.id")),
    )
    table(
        "address",
        col("address", "person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE")),
        col("address", "street", sa.String(80)),
        col("address", "location_id", sa.Integer, sa.ForeignKey("location.id")),
    )
    return md


def create_database(
    engine: sa.Engine,
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    spec: Shape = Shape(),
    *,
    id_offset: int = 0,
) -> None:
    """Create the tables and insert `rows`; foreign keys given as uuids become ids."""
    md = _metadata(spec)
    md.create_all(engine)
    ids: dict[tuple[str, str], int] = {}
    deferred: list[tuple[str, int, str, str]] = []  # table, id, column, target uuid
    next_id = id_offset
    with engine.begin() as conn:
        for name in TABLE_ORDER:
            table = md.tables[name]
            for given in rows.get(name, ()):
                next_id += 1
                row = dict(given)
                row.setdefault("id", next_id)
                for column, value in list(row.items()):
                    target = FOREIGN_KEYS.get((name, column))
                    if target is not None and isinstance(value, str):
                        if target == name and value == row.get("uuid"):
                            row[column] = row["id"]  # points at itself
                        elif (target, value) in ids:
                            row[column] = ids[(target, value)]
                        else:  # a target inserted later (or a cycle): set it afterwards
                            row[column] = None
                            deferred.append((name, row["id"], column, value))
                conn.execute(table.insert().values(row))
                if row.get("uuid") is not None:
                    ids[(name, row["uuid"])] = row["id"]
        for name, key, column, value in deferred:
            table = md.tables[name]
            conn.execute(
                table.update()
                .where(table.c.id == key)
                .values({column: ids[(FOREIGN_KEYS[(name, column)], value)]})
            )
        if engine.dialect.name == "postgresql":
            for name in TABLE_ORDER:
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
                    )
                )


PolicyLike = Policy | str | Callable[[Any], None] | None


def as_policy(policy: PolicyLike) -> Policy:
    if policy is None:
        return FALLBACK
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, str):
        return preset(policy)
    return Policy("test", policy)


class Pair:
    """A THIS and an OTHER dataset, with shortcuts for planning, committing and reading."""

    def __init__(self, this: str, other: str, mapping: SchemaMapping = CONVENTIONS) -> None:
        self.this_target, self.other_target = this, other
        self.mapping = mapping
        self.this = SqlDataset(this, mapping)
        self.other = SqlDataset(other, mapping, readonly=True)

    def plan(self, policy: PolicyLike = None) -> Plan:
        return build_plan(self.this, self.other, as_policy(policy))

    def commit(
        self, plan: Plan | None = None, *, policy: PolicyLike = None, dry_run: bool = False
    ) -> CommitReport:
        return commit_plan(plan or self.plan(policy), self.this, dry_run=dry_run)

    def rows(self, table: str, side: str = "this") -> dict[str, dict[str, Any]]:
        """Raw rows by canonical uuid (rows without uuid under "#<id>")."""
        engine = (self.this if side == "this" else self.other).engine
        with engine.connect() as conn:
            result = conn.execute(sa.text(f"SELECT * FROM {table}")).mappings()
            return {canonical_uuid(r.get("uuid")) or f"#{n}": dict(r) for n, r in enumerate(result)}

    def uuid_of(self, table: str, key: Any, side: str = "this") -> str | None:
        """The canonical uuid of a row by local id (to follow a foreign key)."""
        if key is None:
            return None
        engine = (self.this if side == "this" else self.other).engine
        with engine.connect() as conn:
            raw = conn.execute(
                sa.text(f"SELECT uuid FROM {table} WHERE id = :k"), {"k": key}
            ).scalar()
        return canonical_uuid(raw)

    def snapshot(
        self, *, journal: bool = True, modified_on: bool = True
    ) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table of THIS, for "nothing was written" checks; without
        `modified_on` columns when asked (a revert stamps them with its own time)."""
        with self.this.engine.connect() as conn:
            names = [
                n
                for n in sa.inspect(conn).get_table_names()
                if journal or not n.startswith("truce_")
            ]
            snapshot = {}
            for name in sorted(names):
                result = conn.execute(sa.text(f"SELECT * FROM {name}"))
                keep = [n for n, c in enumerate(result.keys()) if modified_on or c != "modified_on"]
                rows = (tuple(row[n] for n in keep) for row in result)
                snapshot[name] = sorted(rows, key=repr)
            return snapshot

    def close(self) -> None:
        self.this.close()
        self.other.close()


class Databases:
    """Makes databases of one engine kind: SQLite files or fresh PostgreSQL databases."""

    def __init__(self, kind: str, tmp_path: Path, new_pg: Callable[[], str] | None) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.new_pg = new_pg
        self.count = 0
        self.pairs: list[Pair] = []

    def new_target(self) -> str:
        self.count += 1
        if self.kind == "sqlite":
            return str(self.tmp_path / f"db{self.count}.sqlite")
        assert self.new_pg is not None
        return self.new_pg()

    def build(
        self,
        rows: Mapping[str, Iterable[Mapping[str, Any]]],
        spec: Shape = Shape(),
        *,
        id_offset: int = 0,
    ) -> str:
        target = self.new_target()
        url = target if "://" in target else f"sqlite:///{target}"
        engine = sa.create_engine(url)
        try:
            create_database(engine, rows, spec, id_offset=id_offset)
        finally:
            engine.dispose()
        return target

    def pair(
        self,
        this: Mapping[str, Iterable[Mapping[str, Any]]],
        other: Mapping[str, Iterable[Mapping[str, Any]]],
        *,
        this_shape: Shape = Shape(),
        other_shape: Shape = Shape(),
    ) -> Pair:
        """THIS and OTHER databases; OTHER's ids start at 1001 so ids never agree."""
        pair = Pair(self.build(this, this_shape), self.build(other, other_shape, id_offset=1000))
        self.pairs.append(pair)
        return pair

    def close(self) -> None:
        for pair in self.pairs:
            pair.close()


# ----- Eden databases (the schema dumped from a real Eden server)

# A copy of shared/reference/eden-schema.sql, so the tests stand alone in any checkout.
EDEN_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "eden" / "eden-schema.sql"
_EDEN_ORDER = (
    "auth_user",
    "pr_pentity",
    "sit_trackable",
    "gis_location",
    "org_organisation",
    "pr_person",
    "pr_address",
    "pr_contact",
    "sync_repository",
)
_EDEN_KEYS = {"pr_pentity": "pe_id", "sit_trackable": "track_id"}


def eden_schema_file() -> Path:
    return EDEN_SCHEMA


def _eden_statements(dialect: str) -> list[str]:
    """The dump's CREATE statements, tables before those that reference them; translated
    to PostgreSQL's spelling of the two SQLite-only types when needed."""
    sections: dict[str, str] = {}
    for chunk in eden_schema_file().read_text("utf-8").split("-- ===== ")[1:]:
        name, _, body = chunk.partition("\n")
        sections[name.strip()] = body
    statements = []
    for name in _EDEN_ORDER:
        body = sections[name]
        if dialect == "postgresql":
            body = body.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "SERIAL PRIMARY KEY").replace(
                " DOUBLE,", " DOUBLE PRECISION,"
            )
        statements += [s.strip() for s in body.split(";") if s.strip()]
    return statements


def create_eden_database(
    engine: sa.Engine, rows: Mapping[str, Iterable[Mapping[str, Any]]]
) -> None:
    """An Eden database with `rows` inserted as given (ids and keys explicit)."""
    with engine.begin() as conn:
        for statement in _eden_statements(engine.dialect.name):
            conn.exec_driver_sql(statement)
        for name in _EDEN_ORDER:
            for row in rows.get(name, ()):
                columns = ", ".join(row)
                marks = ", ".join(f":{c}" for c in row)
                conn.execute(sa.text(f"INSERT INTO {name} ({columns}) VALUES ({marks})"), dict(row))
        if engine.dialect.name == "postgresql":
            for name in _EDEN_ORDER:
                key = _EDEN_KEYS.get(name, "id")
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', '{key}'), "
                        f"(SELECT coalesce(max({key}), 0) + 1 FROM {name}), false)"
                    )
                )


def eden_pair(
    dbs: Databases,
    this: Mapping[str, Iterable[Mapping[str, Any]]],
    other: Mapping[str, Iterable[Mapping[str, Any]]],
) -> Pair:
    from core.mapping import load_mapping

    targets = []
    for rows in (this, other):
        target = dbs.new_target()
        engine = sa.create_engine(target if "://" in target else f"sqlite:///{target}")
        try:
            create_eden_database(engine, rows)
        finally:
            engine.dispose()
        targets.append(target)
    pair = Pair(*targets, mapping=load_mapping("eden"))
    dbs.pairs.append(pair)
    return pair
