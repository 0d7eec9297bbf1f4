"""Shared helpers of the exchange-file tests: a small conventions-shaped THIS schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from builders import create_database

from core.records import Record
from core.schema import Schema
from core.sources.sql import SqlDataset

P1 = "urn:uuid:00000000-0000-4000-8000-000000000001"
L1 = "urn:uuid:00000000-0000-4000-8000-0000000000a1"
A1 = "urn:uuid:00000000-0000-4000-8000-0000000000b1"


def empty_schema(tmp_path: Path, name: str = "this.sqlite") -> Schema:
    """THIS's schema of the builders' location/person/address tables (no rows)."""
    path = tmp_path / name
    engine = sa.create_engine(f"sqlite:///{path}")
    create_database(engine, {})
    engine.dispose()
    dataset = SqlDataset(path)
    schema = dataset.schema
    dataset.close()
    return schema


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_all(source, tmp_path: Path) -> tuple[list[Record], list[str]]:
    """Every record a file source yields for the small schema, and its warnings."""
    schema = empty_schema(tmp_path)
    return list(source.records(schema)), source.unknown_columns(schema)
