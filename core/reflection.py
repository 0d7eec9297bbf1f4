"""Build a `Schema` from a reflected database and a mapping (docs/semantics.md, Sources:
conventions)."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.mapping import Mapping
from core.schema import Column, ComponentLink, Kind, Reference, Resource, Schema

# Order matters: Boolean before Integer, DateTime before Date, Float before Numeric.
_KINDS: tuple[tuple[type, Kind], ...] = (
    (sa.Boolean, Kind.BOOLEAN),
    (sa.Integer, Kind.INTEGER),
    (sa.DateTime, Kind.DATETIME),
    (sa.Date, Kind.DATE),
    (sa.Float, Kind.FLOAT),
    (sa.Numeric, Kind.DECIMAL),
    (sa.JSON, Kind.JSON),
    (sa.String, Kind.STRING),
)


def kind_of(column_type: sa.types.TypeEngine) -> Kind:
    for base, kind in _KINDS:
        if isinstance(column_type, base):
            return kind
    return Kind.OTHER


def reflect_schema(engine: Engine, mapping: Mapping) -> Schema:
    """Resources, links and references of every wanted table that has a uuid column.

    A SQLite file whose schema text is the one reflected last, with the same mapping
    (OTHER made by the same application as THIS), gets that result again: reflecting
    costs ~50 ms a file, whatever the data."""
    ddl = _sqlite_ddl(engine)
    with _LAST_LOCK:
        if ddl is not None and _LAST and _LAST[0] == ddl and _LAST[1] is mapping:
            return _copy(_LAST[2])
    schema = _reflect(engine, mapping)
    if ddl is not None:
        with _LAST_LOCK:
            _LAST[:] = [ddl, mapping, _copy(schema)]
    return schema


_LAST: list[Any] = []  # [schema text, mapping, Schema] of the last SQLite file reflected
_LAST_LOCK = threading.Lock()


def _sqlite_ddl(engine: Engine) -> tuple[tuple[Any, ...], ...] | None:
    """Everything reflection reads of a SQLite file, as text (None: not SQLite, or it
    cannot be read, which reflection then reports)."""
    if engine.dialect.name != "sqlite":
        return None
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall()
    except sa.exc.SQLAlchemyError:
        return None
    return tuple(tuple(row) for row in rows)


def _copy(schema: Schema) -> Schema:
    """Its own containers (resources are frozen), so no caller changes another's."""
    return Schema(resources=dict(schema.resources), warnings=list(schema.warnings))


def _reflect(engine: Engine, mapping: Mapping) -> Schema:
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    warnings: list[str] = []
    wanted = {
        name: table
        for name, table in metadata.tables.items()
        if mapping.meta.uuid in table.c and mapping.wants(name)
    }
    cascades = _sqlite_cascades(engine, wanted) if engine.dialect.name == "sqlite" else None
    unsynced = _unsynced_tables(metadata, mapping)
    plain: dict[str, list[str]] = {}
    reflected: dict[str, Resource | None] = {}
    for name, table in sorted(wanted.items()):
        link = _link_to_unsynced(table, mapping, unsynced)
        if link is not None:
            warnings.append(
                f"{name}: left out: it links to {link}, which the mapping does not sync"
            )
            continue
        reflected[name] = _resource(
            table, wanted, mapping, engine.dialect.name, warnings, cascades, plain
        )
    if plain:
        warnings.append(
            f"{sum(map(len, plain.values()))} foreign key(s) point at tables without a uuid "
            f"and are compared as plain values, in: {', '.join(sorted(plain))}"
        )
    resources = {name: res for name, res in reflected.items() if res is not None}
    return Schema(resources=resources, warnings=warnings)


def _unsynced_tables(metadata: sa.MetaData, mapping: Mapping) -> set[str]:
    """Tables with a uuid that the mapping leaves out, super-entities apart (their keys
    are handled, or compared as plain values)."""
    supers = {key.table for key in mapping.super_keys}
    return {
        name
        for name, table in metadata.tables.items()
        if mapping.meta.uuid in table.c and name in mapping.exclude and name not in supers
    }


def _link_to_unsynced(table: sa.Table, mapping: Mapping, unsynced: set[str]) -> str | None:
    """The unsynced table a record of `table` links to (Eden's pr_person_user →
    auth_user): such a link cannot travel, so the whole table is left out."""
    for fk in table.foreign_keys:
        target = fk.column.table.name
        if target in unsynced and not mapping.ignores(table.name, fk.parent.name):
            return target
    return None


def _sqlite_cascades(engine: Engine, tables: dict[str, sa.Table]) -> set[tuple[str, str]]:
    """(table, column) of ON DELETE CASCADE keys, read with PRAGMA: SQLAlchemy's SQLite
    reflection misses the option on column-level REFERENCES clauses."""
    found: set[tuple[str, str]] = set()
    with engine.connect() as conn:
        for name in tables:
            rows = conn.exec_driver_sql(
                f"PRAGMA foreign_key_list({engine.dialect.identifier_preparer.quote(name)})"
            )
            for row in rows.mappings():
                if str(row["on_delete"]).upper() == "CASCADE":
                    found.add((name, row["from"]))
    return found


def _resource(
    table: sa.Table,
    wanted: dict[str, sa.Table],
    mapping: Mapping,
    dialect: str,
    warnings: list[str],
    cascades: set[tuple[str, str]] | None,
    plain: dict[str, list[str]],
) -> Resource | None:
    pk_cols = list(table.primary_key.columns)
    if len(pk_cols) != 1:
        warnings.append(f"{table.name}: skipped, it needs a single-column primary key")
        return None
    pk = pk_cols[0].name
    columns = {
        c.name: column_of(table.name, c, mapping, dialect)
        for c in table.columns
        if not mapping.ignores(table.name, c.name)
    }
    super_keys = tuple(k for k in mapping.super_keys if k.resource == table.name)
    explicit_links = tuple(link for link in mapping.components if link.component == table.name)
    explicit_refs = {r.field: r for r in mapping.references if r.resource == table.name}
    handled = {k.column for k in super_keys} | {link.link for link in explicit_links}
    links = list(explicit_links)
    references = dict(explicit_refs)
    for fk in table.foreign_keys:
        name = fk.parent.name
        if name in handled or name in explicit_refs or name not in columns:
            continue
        target = fk.column.table.name
        if target not in wanted:
            plain.setdefault(table.name, []).append(name)  # one summary line for all
            continue
        cascade = (
            (table.name, name) in cascades
            if cascades is not None
            else (fk.ondelete or "").upper() == "CASCADE"
        )
        if cascade and target != table.name:
            links.append(ComponentLink(table.name, name, target, fk.column.name))
        else:
            references[name] = Reference(table.name, name, target, fk.column.name)
    return Resource(
        name=table.name,
        pk=pk,
        columns=columns,
        meta=mapping.meta,
        references=references,
        links=tuple(links),
        super_keys=super_keys,
        ignored=frozenset(),
    )


def column_of(table: str, column: sa.Column, mapping: Mapping, dialect: str) -> Column:
    kind = kind_of(column.type)
    char_boolean = (
        mapping.char_booleans and kind is Kind.STRING and getattr(column.type, "length", None) == 1
    )
    text_storage = dialect == "sqlite" and kind in (Kind.DATE, Kind.DATETIME)
    tz_aware = bool(getattr(column.type, "timezone", False))
    return Column(
        name=column.name,
        kind=kind,
        nullable=bool(column.nullable),
        char_boolean=char_boolean,
        text_storage=text_storage,
        tz_aware=tz_aware,
    )
