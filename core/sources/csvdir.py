"""A folder of CSV files (`<resource>.csv`) as a source of OTHER records (docs/semantics.md,
Sources).

Each file has a header row of field names, including `uuid` and `modified_on`;
reference and component-link cells hold the target's uuid; an empty cell is no value.
Files are read line by line, so a large folder streams like S3XML does.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from core.progress import Progress
from core.records import Problem, Record
from core.schema import Resource, Schema
from core.sources.errors import SourceError
from core.sources.exchange import FileSource, RecordMaker, uuid_list
from core.sources.limits import DEFAULT_LIMITS, Limits

_META_ROLES = ("uuid", "modified_on", "created_on", "deleted", "mci")


class CsvFolder(FileSource):
    """A directory of `<resource>.csv` files."""

    def __init__(self, path: str | Path, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(path, limits)
        if not self.path.is_dir():
            raise SourceError(f"{self.label}: not a folder of CSV files")

    def files(self) -> dict[str, Path]:
        """resource name → its file, for every `*.csv` in the folder."""
        return {p.stem: p for p in sorted(self.path.glob("*.csv")) if p.is_file()}

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        """Every row of every file THIS has a resource for, masters' files first."""
        maker = RecordMaker(typing, self.label)
        files = self.files()
        for name in [n for n in typing.order() if n in files]:
            for record in self._file(maker, typing.resources[name], files[name]):
                if progress is not None:
                    progress.advance()
                yield record
        for name in sorted(set(files) - set(typing.resources)):
            maker.resource(name)
        self._warnings[id(typing)] = maker.warnings()

    def _file(self, maker: RecordMaker, res: Resource, path: Path) -> Iterator[Record]:
        self.limits.check_file(path, str(path))
        try:
            with path.open("rb") as stream:
                lines = _Lines(path, stream, self.limits.value_bytes)
                rows = csv.reader(lines, strict=True)
                header = self._header(path, rows, lines)
                roles = {getattr(res.meta, role): role for role in _META_ROLES}
                while True:
                    try:
                        row = next(rows)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        raise SourceError(
                            f"{path}: line {lines.number}: not valid CSV ({exc})"
                        ) from None
                    if row:
                        yield self._record(maker, res, path, lines.start, header, roles, row)
                    lines.start = lines.number + 1
        except OSError as exc:
            raise SourceError(f"{path}: cannot read the file ({exc.strerror})") from None

    def _header(self, path: Path, rows: Iterator[list[str]], lines: _Lines) -> list[str]:
        try:
            header = [name.strip() for name in next(rows)]
        except StopIteration:
            raise SourceError(f"{path}: line 1: empty file, no header row") from None
        except csv.Error as exc:
            raise SourceError(f"{path}: line {lines.number}: not valid CSV ({exc})") from None
        duplicates = sorted({n for n in header if header.count(n) > 1})
        if duplicates:
            raise SourceError(f"{path}: line 1: columns named twice: {', '.join(duplicates)}")
        if "uuid" not in header:
            raise SourceError(f"{path}: line 1: the header has no uuid column")
        lines.start = lines.number + 1
        return header

    def _record(
        self,
        maker: RecordMaker,
        res: Resource,
        path: Path,
        line: int,
        header: list[str],
        roles: dict[str, str],
        row: list[str],
    ) -> Record:
        cells = dict(zip(header, row, strict=False))
        meta: dict[str, str | None] = {
            roles[name]: value for name, value in cells.items() if name in roles
        }
        meta.setdefault("uuid", cells.get("uuid"))
        record = maker.start(res, f"{path} line {line}", meta)
        if len(row) != len(header):
            record.problems.append(
                Problem(None, f"{len(row)} cells, but the header names {len(header)} columns")
            )
        for name, cell in cells.items():
            if name in roles or not name or name == "uuid":
                continue
            value = None if cell == "" else cell
            column = res.columns.get(name)
            if column is not None and name in res.references:
                many = uuid_list(value)
                maker.reference(res, record, name, None, many if many is not None else value)
            else:
                maker.data(res, record, name, value)
        return record


class _Lines:
    """Decoded lines of a CSV file, counting them so errors can name the line."""

    def __init__(self, path: Path, stream: BinaryIO, limit: int) -> None:
        self.path = path
        self.stream = stream
        self.limit = limit
        self.number = 0
        self.start = 1

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        # Read at most the limit: one endless line must not be read into memory whole.
        raw = self.stream.readline(self.limit + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        if len(raw) > self.limit:
            raise SourceError(
                f"{self.path}: line {self.number}: longer than {self.limit:,} bytes: refused "
                "(the limit on one line)"
            )
        if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{self.path}: line {self.number}, column {exc.start + 1}: not UTF-8 ({exc.reason})"
            ) from None
