"""Datasets in SQL databases reached through SQLAlchemy Core (docs/semantics.md, Sources).

Rows are read raw (no SQLAlchemy type processing, which would abort a whole query on one
bad timestamp) and typed by our own per-column converters, so a bad value becomes a
per-record problem. References and component links are translated to uuids by joins
inside the database, so Python never holds a key → uuid map of a whole table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from core.batching import KEYS_PER_LOOKUP, chunks
from core.digest import row_digest
from core.identity import canonical_uuid
from core.mapping import CONVENTIONS, Mapping
from core.progress import Progress
from core.records import Problem, Record
from core.reflection import reflect_schema
from core.schema import Resource, Schema
from core.sources.errors import SourceError
from core.sources.raw_table import raw_table
from core.sources.row_shape import RowShape, meta_values, typed_values
from core.sources.sql_engine import cannot_read, make_engine, short_error
from core.values import converter, raw_converter


class SqlDataset:
    """A database as a dataset: its own schema, an identity index and typed records."""

    def __init__(
        self,
        target: str | Path,
        mapping: Mapping = CONVENTIONS,
        *,
        readonly: bool = False,
        engine: Engine | None = None,
    ) -> None:
        self.label = str(target)
        self.mapping = mapping
        self.engine = engine or make_engine(target, readonly=readonly)
        try:
            self.schema = reflect_schema(self.engine, mapping)
        except NoSuchTableError as exc:
            raise SourceError(
                f"{self.label}: damaged database: cannot read the schema (a foreign key "
                f"refers to {exc}, which does not exist)"
            ) from None
        except (SQLAlchemyError, UnicodeDecodeError) as exc:
            raise SourceError(
                f"{self.label}: {cannot_read(exc)} the schema ({short_error(exc)})"
            ) from None
        self._tables = {name: raw_table(res) for name, res in self.schema.resources.items()}
        self._plain: dict[str, sa.Select] = {}
        if not self.schema.resources:
            raise SourceError(
                f"{self.label}: no table has a {mapping.meta.uuid!r} column, "
                "so there is nothing to sync"
            )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # ----- identity index (THIS side)
    def index(
        self, resource: str, connection: sa.Connection | None = None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """canonical uuid → primary key, and the duplicates found (uuid → message)."""
        res = self.schema.resources[resource]
        table = self._tables[resource]
        stmt = sa.select(table.c[res.pk], table.c[res.meta.uuid])
        keys: dict[str, Any] = {}
        duplicates: dict[str, str] = {}
        with self._connect(connection) as conn:
            for key, raw in conn.execute(stmt):
                uuid = canonical_uuid(raw)
                if uuid is None:
                    continue
                if uuid in keys:
                    duplicates[uuid] = (
                        f"{self.label}: {resource} rows {res.pk}={keys[uuid]} "
                        f"and {res.pk}={key} share the identity {uuid}"
                    )
                keys[uuid] = key
        return keys, duplicates

    # ----- records (OTHER side)
    def estimate(self, typing: Schema) -> int:
        return sum(self.count(name) for name in typing.resources)

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        """Every row of every resource THIS also has, typed by THIS's schema."""
        for name in typing.order():
            yield from self.resource_records(name, typing, progress)

    def unknown_columns(self, typing: Schema) -> list[str]:
        """Warnings for what this dataset has and THIS has no place for."""
        notes = []
        for name, own in self.schema.resources.items():
            target = typing.resources.get(name)
            if target is None:
                notes.append(f"{self.label}: resource {name} is not in THIS: ignored")
                continue
            extra = [c for c in own.columns if c not in target.columns]
            if extra:
                notes.append(
                    f"{self.label}: {name} fields {', '.join(extra)} are not in THIS: ignored"
                )
        return notes

    def resource_records(
        self, resource: str, typing: Schema, progress: Progress | None = None
    ) -> Iterator[Record]:
        own = self.schema.resources.get(resource)
        if own is None:
            return
        query = self._query(own, typing.resources[resource])
        try:
            with self.engine.connect() as conn:
                result = conn.execution_options(yield_per=2000).execute(query.statement)
                for row in result:
                    if progress is not None:
                        progress.advance()
                    yield self._record(own, typing.resources[resource], query, row)
        except SQLAlchemyError as exc:
            raise SourceError(
                f"{self.label}: {cannot_read(exc)} table {resource} ({short_error(exc)})"
            ) from None

    def fetch(
        self, resource: str, keys: Iterable[Any], connection: sa.Connection | None = None
    ) -> dict[Any, tuple[Record, bytes]]:
        """THIS rows by primary key: key → (typed record, digest of the raw row)."""
        res = self.schema.resources[resource]
        query = self._query(res, res)
        pk = self._tables[resource].c[res.pk]
        found: dict[Any, tuple[Record, bytes]] = {}
        with self._connect(connection) as conn:
            for batch in chunks(keys, KEYS_PER_LOOKUP):
                for row in conn.execute(query.statement.where(pk.in_(batch))):
                    found[row[0]] = (self._record(res, res, query, row), row_digest(row))
        return found

    def row_shape(self, resource: str, *, masters: bool = True) -> RowShape:
        """How THIS's rows of `resource` are read: positions, converters, references.
        Without `masters`, each master's uuid is left to the caller: its place holds the
        component link's own value (core/this_masters.py)."""
        res = self.schema.resources[resource]
        return self._query(res, res, masters=masters)

    def attached_shape(
        self,
        resource: str,
        typing: Schema,
        schema: str,
        master_tables: dict[tuple[str, str], str] | None = None,
    ) -> RowShape:
        """How this dataset's rows of `resource` are read, typed by `typing`, on a SQLite
        connection where its file is attached as `schema` (the SQLite join). A master
        named in `master_tables` ((master, master key) → TEMP table holding that key and
        uuid columns of the master's rows) is joined from that table instead."""
        own = self.schema.resources[resource]
        return self._query(own, typing.resources[resource], schema, master_tables=master_tables)

    def typed_record(self, resource: str, typing: Schema, shape: RowShape, row: Any) -> Record:
        """A raw row read with `attached_shape` (or `row_shape`), typed."""
        return self._record(self.schema.resources[resource], typing.resources[resource], shape, row)

    def fetch_rows(self, resource: str, keys: Iterable[Any], shape: RowShape) -> dict[Any, Any]:
        """THIS rows by primary key, raw (as `row_shape` reads them): key → row."""
        pk = self._tables[resource].c[self.schema.resources[resource].pk]
        found: dict[Any, Any] = {}
        with self.engine.connect() as conn:
            for batch in chunks(keys, KEYS_PER_LOOKUP):
                for row in conn.execute(shape.statement.where(pk.in_(batch))):
                    found[row[0]] = row
        return found

    def typed_row(self, resource: str, row: Any, shape: RowShape) -> tuple[Record, bytes]:
        """A raw THIS row (from `fetch_rows`) typed, with its digest, as `fetch` gives."""
        res = self.schema.resources[resource]
        return self._record(res, res, shape, row), row_digest(row)

    def plain_rows(
        self, resource: str, keys: Iterable[Any], connection: sa.Connection
    ) -> dict[Any, Any]:
        """Rows by primary key without the joins: pk, uuid, 4 meta, fields (as `row_shape`
        reads them, less the reference and master uuids, which `record` takes apart).
        A join on an unindexed link (Eden's `pe_id`) would make each batch scan a table."""
        statement = self._plain.get(resource)
        if statement is None:
            res = self.schema.resources[resource]
            shape = self._query(res, res)
            columns = list(shape.statement.selected_columns)[: 6 + len(shape.fields)]
            table = self._tables[resource]
            batch: sa.BindParameter[Any] = sa.bindparam("keys", expanding=True)
            statement = sa.select(*columns).select_from(table).where(table.c[res.pk].in_(batch))
            self._plain[resource] = statement
        return {
            row[0]: row
            for batch in chunks(keys, KEYS_PER_LOOKUP)
            for row in connection.execute(statement, {"keys": batch}).all()
        }

    def record(self, resource: str, row: Any, shape: RowShape) -> Record:
        """A row laid out as `row_shape` reads it (a plain row plus its uuids), typed."""
        res = self.schema.resources[resource]
        return self._record(res, res, shape, row)

    def records_by_key(
        self, resource: str, typing: Schema, keys: Iterable[Any]
    ) -> dict[Any, Record]:
        """This dataset's rows of `resource` by primary key, typed by `typing` (OTHER side)."""
        own = self.schema.resources[resource]
        query = self._query(own, typing.resources[resource])
        pk = self._tables[resource].c[own.pk]
        found: dict[Any, Record] = {}
        with self.engine.connect() as conn:
            for batch in chunks(keys, KEYS_PER_LOOKUP):
                for row in conn.execute(query.statement.where(pk.in_(batch))):
                    found[row[0]] = self._record(own, typing.resources[resource], query, row)
        return found

    def count(self, resource: str) -> int:
        res = self.schema.resources.get(resource)
        if res is None:
            return 0
        try:
            with self.engine.connect() as conn:
                count = sa.select(sa.func.count()).select_from(self._tables[resource])
                return int(conn.execute(count).scalar() or 0)
        except SQLAlchemyError as exc:
            raise SourceError(
                f"{self.label}: {cannot_read(exc)} table {resource} ({short_error(exc)})"
            ) from None

    # ----- internals
    def _connect(self, connection: sa.Connection | None) -> AbstractContextManager[sa.Connection]:
        if connection is not None:
            return nullcontext(connection)
        return self.engine.connect()

    def _query(
        self,
        own: Resource,
        target: Resource,
        schema: str | None = None,
        *,
        masters: bool = True,
        master_tables: dict[tuple[str, str], str] | None = None,
    ) -> RowShape:
        table = self._tables[own.name] if schema is None else raw_table(own, schema)
        meta = own.meta
        fields = tuple(f for f in target.data_fields if f in own.columns)
        selected: list[Any] = [table.c[own.pk], table.c[meta.uuid]]
        selected += [
            table.c[m] if own.has(m) else sa.null()
            for m in (meta.modified_on, meta.created_on, meta.deleted, meta.mci)
        ]
        selected += [table.c[f] for f in fields]
        joined: sa.FromClause = table
        references = []
        for pos, name in enumerate(fields, start=6):
            ref = target.references.get(name)
            if ref is not None:
                joined, uuid_col = self._join_uuid(
                    joined,
                    table,
                    ref.field,
                    ref.target,
                    ref.target_key,
                    f"ref_{len(selected)}",
                    schema,
                )
                references.append((pos, len(selected), ref))
                selected.append(uuid_col)
        links = []
        for link in target.links:
            if link.link in own.columns and not masters:
                links.append((len(selected), link))
                selected.append(table.c[link.link])
            elif link.link in own.columns:
                joined, uuid_col = self._join_uuid(
                    joined,
                    table,
                    link.link,
                    link.master,
                    link.master_key,
                    f"master_{len(selected)}",
                    schema,
                    (master_tables or {}).get((link.master, link.master_key)),
                )
                links.append((len(selected), link))
                selected.append(uuid_col)
        convert = tuple(converter(target.columns[f]) for f in fields)
        raw_convert = tuple(raw_converter(target.columns[f]) for f in fields)
        return RowShape(
            sa.select(*selected).select_from(joined),
            table.c[own.pk],
            fields,
            convert,
            raw_convert,
            tuple(references),
            tuple(links),
        )

    def _join_uuid(
        self,
        joined: sa.FromClause,
        table: sa.TableClause,
        column: str,
        target: str,
        target_key: str,
        alias: str,
        schema: str | None = None,
        temp_table: str | None = None,
    ) -> tuple[sa.FromClause, sa.ColumnElement]:
        target_res = self.schema.resources.get(target)
        if target_res is None or target_key not in target_res.columns:
            return joined, sa.null().label(alias)
        if temp_table is None:
            other = raw_table(target_res, schema).alias(alias)
        else:
            names = dict.fromkeys([target_key, target_res.meta.uuid])
            other = sa.table(temp_table, *map(sa.column, names), schema="temp").alias(alias)
        joined = joined.outerjoin(other, table.c[column] == other.c[target_key])
        return joined, other.c[target_res.meta.uuid].label(alias)

    def _record(self, own: Resource, target: Resource, query: RowShape, row: Any) -> Record:
        problems: list[Problem] = []
        meta = meta_values(own, row[2:6], problems)
        typed = typed_values(query.fields, query.raw_convert, row[6:], problems)
        values = dict(zip(query.fields, typed, strict=True))
        dangling: dict[str, str] = {}
        for field_pos, uuid_pos, ref in query.references:
            values[ref.field] = canonical_uuid(row[uuid_pos])
            if row[field_pos] is not None and row[uuid_pos] is None:
                dangling[ref.field] = (
                    f"{ref.target} with {ref.target_key}="
                    f"{row[field_pos]!r} does not exist in {self.label}"
                )
        master = next(
            (
                (link.master, master_uuid)
                for pos, link in query.links
                if (master_uuid := canonical_uuid(row[pos])) is not None
            ),
            None,
        )
        if target.links and master is None:
            problems.append(
                Problem(target.links[0].link, "the component's master record does not exist")
            )
        uuid = canonical_uuid(row[1])
        if uuid is None:
            problems.append(Problem(own.meta.uuid, "record has no uuid"))
        modified_on, created_on, deleted, mci = meta
        return Record(
            resource=own.name,
            uuid=uuid,
            values=values,
            place=f"{self.label}: {own.name} row {own.pk}={row[0]}",
            modified_on=modified_on,
            created_on=created_on,
            deleted=bool(deleted),
            mci=mci,
            master=master,
            problems=problems,
            dangling=dangling,
            key=row[0],
        )
