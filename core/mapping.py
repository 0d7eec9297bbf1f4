"""Schema mappings (`truce.toml`): overrides of the conventions of docs/semantics.md, Sources.

```toml
[meta]                       # column names of the meta fields
uuid = "uuid"
modified_on = "modified_on"
[tables]
include = ["pr_person"]      # only these resources (empty: every table with a uuid)
exclude = ["pr_pentity"]
[columns]
ignore = ["created_by", "pr_person.pe_label"]  # local-only columns, never compared
char_booleans = true         # CHAR(1) 'T'/'F' columns are booleans (Eden)
[[components]]               # component → master join; the key need not be the master's pk
resource = "pr_address"
master = "pr_person"
link = "pe_id"
master_key = "pe_id"
[[references]]
resource = "org_organisation"
field = "root_organisation"
target = "org_organisation"
target_key = "id"
[[super_entities]]           # created with the record, sharing its uuid (Eden)
resource = "pr_person"
column = "pe_id"
table = "pr_pentity"
key = "pe_id"
[defaults."*"]               # model-level defaults of a created record, per table ("*": all)
mci = 0
[defaults.pr_contact]        # applied to every column OTHER does not set
access = 1
[warnings]
commit = "…"                 # said once before a commit into such a database
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources as package_files
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.schema import ComponentLink, MetaNames, Reference, SuperKey

BUILTIN = ("conventions", "eden")


class MappingError(Exception):
    """A mapping file that cannot be read; names the file, line or key."""


@dataclass(frozen=True)
class Mapping:
    name: str = "conventions"
    meta: MetaNames = MetaNames()
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    char_booleans: bool = False
    components: tuple[ComponentLink, ...] = ()
    references: tuple[Reference, ...] = ()
    super_keys: tuple[SuperKey, ...] = field(default=())
    # table ("*" for every table) → column → value a created record gets when OTHER sets none
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    commit_warning: str | None = None

    def defaults_for(self, table: str) -> dict[str, Any]:
        return {**self.defaults.get("*", {}), **self.defaults.get(table, {})}

    def ignores(self, table: str, column: str) -> bool:
        return column in self.ignore or f"{table}.{column}" in self.ignore

    def wants(self, table: str) -> bool:
        if table in self.exclude or table == "truce_journal":
            return False
        return not self.include or table in self.include


CONVENTIONS = Mapping()


def load_mapping(spec: str | Path | None) -> Mapping:
    """A built-in mapping by name (`conventions`, `eden`) or a TOML mapping file."""
    if spec is None or str(spec) == "conventions":
        return CONVENTIONS
    if str(spec) == "eden":
        text = package_files.files("core.mappings").joinpath("eden.toml").read_text("utf-8")
        return parse_mapping(text, "eden")
    path = Path(spec)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read mapping file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: not UTF-8 text ({exc.reason})") from None
    return parse_mapping(text, str(path))


def parse_mapping(text: str, name: str) -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{name}: {exc}") from None
    except RecursionError:
        raise MappingError(f"{name}: malformed TOML: nested too deep") from None
    try:
        return _build(data, name)
    except (KeyError, TypeError, ValueError) as exc:
        raise MappingError(f"{name}: {exc}") from None


def _build(data: dict[str, Any], name: str) -> Mapping:
    known = {
        "meta",
        "tables",
        "columns",
        "components",
        "references",
        "super_entities",
        "defaults",
        "warnings",
    }
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(sorted(unknown))}")
    tables = data.get("tables", {})
    columns = data.get("columns", {})
    return Mapping(
        name=name,
        meta=MetaNames(**{k: _text(v, f"meta.{k}") for k, v in data.get("meta", {}).items()}),
        include=frozenset(_names(tables.get("include", []), "tables.include")),
        exclude=frozenset(_names(tables.get("exclude", []), "tables.exclude")),
        ignore=frozenset(_names(columns.get("ignore", []), "columns.ignore")),
        char_booleans=bool(columns.get("char_booleans", False)),
        components=tuple(_entries(data, "components", ComponentLink, {"resource": "component"})),
        references=tuple(_entries(data, "references", Reference, {})),
        super_keys=tuple(_entries(data, "super_entities", SuperKey, {})),
        defaults=_defaults(data.get("defaults", {})),
        commit_warning=_optional_text(data.get("warnings", {}).get("commit"), "warnings.commit"),
    )


def _defaults(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise ValueError("[defaults] must be tables of column = value")
    found: dict[str, dict[str, Any]] = {}
    for table, columns in value.items():
        if not isinstance(columns, dict):
            raise ValueError(f"[defaults.{table}] must be a table of column = value")
        for column, default in columns.items():
            if not isinstance(default, (str, int, float, bool)):
                raise ValueError(f"defaults.{table}.{column} must be a string, number or boolean")
        found[str(table)] = dict(columns)
    return found


def _optional_text(value: Any, key: str) -> str | None:
    return None if value is None else _text(value, key)


def _entries(
    data: dict[str, Any], section: str, kind: type[Any], rename: dict[str, str]
) -> list[Any]:
    entries = []
    for number, entry in enumerate(data.get(section, []), 1):
        if not isinstance(entry, dict):
            raise ValueError(f"[[{section}]] entry {number} is not a table")
        # TOML table keys are always strings
        args = {
            rename.get(str(k), str(k)): _text(v, f"{section}[{number}].{k}")
            for k, v in entry.items()
        }
        try:
            entries.append(kind(**args))
        except TypeError:
            fields = ", ".join(kind.__dataclass_fields__)
            raise ValueError(f"[[{section}]] entry {number} needs exactly: {fields}") from None
    return entries


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, not {value!r}")
    return value


def _names(value: Any, key: str) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list of names")
    return [_text(v, key) for v in value]


def looks_like_eden(engine: sa.Engine) -> bool:
    """A Sahana Eden database: the `pr_pentity` super-entity table, and `deleted` kept in
    a CHAR(1) column ('T'/'F'), which only the Eden mapping reads as a boolean."""
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names())
    if "pr_pentity" not in tables:
        return False
    for table in ("pr_person", "pr_pentity"):
        if table in tables:
            deleted = [c for c in inspector.get_columns(table) if c["name"] == "deleted"]
            kind = deleted[0]["type"] if deleted else None
            if isinstance(kind, sa.String) and kind.length == 1:
                return True
    return False
