"""The shape of a dataset: resources, their fields, component links and references.

A `Schema` is built once from THIS's reflected database (plus a mapping) and is the
allow-list for every table and column name Truce ever puts into SQL (docs/semantics.md, Sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Kind(StrEnum):
    """How a column's values are typed and compared."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    JSON = "json"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = True
    char_boolean: bool = False  # Eden stores booleans as CHAR(1) 'T'/'F'
    text_storage: bool = False  # SQLite keeps dates/times as text: write them back as text
    tz_aware: bool = False  # a server column that stores the zone (timestamptz)


@dataclass(frozen=True, slots=True)
class Reference:
    """`field` holds a key of `target`'s `target_key` column; synced as the target's uuid."""

    resource: str
    field: str
    target: str
    target_key: str


@dataclass(frozen=True, slots=True)
class ComponentLink:
    """`component.link` joins `master.master_key`: the component belongs to that master."""

    component: str
    link: str
    master: str
    master_key: str


@dataclass(frozen=True, slots=True)
class SuperKey:
    """A super-entity key: creating the record creates a row in `table` first (Eden)."""

    resource: str
    column: str
    table: str
    key: str


@dataclass(frozen=True, slots=True)
class MetaNames:
    uuid: str = "uuid"
    modified_on: str = "modified_on"
    created_on: str = "created_on"
    deleted: str = "deleted"
    mci: str = "mci"


@dataclass(frozen=True)
class Resource:
    name: str
    pk: str  # reflection skips tables without a single-column primary key
    columns: dict[str, Column]
    meta: MetaNames
    references: dict[str, Reference] = field(default_factory=dict)
    links: tuple[ComponentLink, ...] = ()  # links to masters (this resource is a component)
    super_keys: tuple[SuperKey, ...] = ()
    ignored: frozenset[str] = frozenset()

    def has(self, column: str) -> bool:
        return column in self.columns

    @cached_property  # asked once per record by readers and writers; a Resource is frozen
    def data_fields(self) -> tuple[str, ...]:
        """Columns compared and synced: not the local key, meta fields, links or keys."""
        skip = set(self.ignored)
        skip.update(self.meta_columns)
        skip.update(link.link for link in self.links)
        skip.update(key.column for key in self.super_keys)
        if self.pk:
            skip.add(self.pk)
        return tuple(name for name in self.columns if name not in skip)

    @cached_property
    def meta_columns(self) -> tuple[str, ...]:
        names = (
            self.meta.uuid,
            self.meta.modified_on,
            self.meta.created_on,
            self.meta.deleted,
            self.meta.mci,
        )
        return tuple(name for name in names if name in self.columns)

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)


@dataclass
class Schema:
    resources: dict[str, Resource]
    warnings: list[str] = field(default_factory=list)

    def order(self) -> list[str]:
        """Resources with referenced and master resources before those that point at them.

        Cycles (self-references, mutual references) are broken arbitrarily: commit
        handles them with NULL-then-fix-up.
        """
        deps = {name: self._dependencies(res) for name, res in self.resources.items()}
        ordered: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str) -> None:
            if state.get(name):
                return
            state[name] = 1
            for dep in sorted(deps[name]):
                visit(dep)
            state[name] = 2
            ordered.append(name)

        for name in sorted(self.resources):
            visit(name)
        return ordered

    def _dependencies(self, res: Resource) -> set[str]:
        targets = {ref.target for ref in res.references.values()}
        targets.update(link.master for link in res.links)
        return {t for t in targets if t in self.resources and t != res.name}
