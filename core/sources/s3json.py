"""S3JSON files as a source of OTHER records (docs/semantics.md, Sources).

The S3XML tree as JSON: `{"$_TABLE": [{"@uuid": .., "FIELD": "text" | {"@value": v,
"$": "text"}, "$k_FIELD": {"@resource": T, "@uuid": U}, "$_CHILD": [..]}]}`. Places are
JSON pointers (`/$_pr_person/3`). The document is loaded whole (the standard library
has no streaming JSON parser); S3XML is the format for very large exchanges.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from core.identity import canonical_uuid
from core.progress import Progress
from core.records import Problem, Record
from core.schema import Resource, Schema
from core.sources.errors import SourceError
from core.sources.exchange import FileSource, RecordMaker
from core.sources.multi import content_digest
from core.sources.raw import UNSURE, RawReader, RawRecord, take_cell

_META = ("uuid", "modified_on", "created_on", "deleted", "mci")


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class S3JsonFile(FileSource):
    """An S3JSON file; every record is typed by THIS's schema."""

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        maker = RecordMaker(typing, self.label)
        for read in self._read(maker, progress):
            yield read if isinstance(read, Record) else self._typed(maker, read)
        self._warnings[id(typing)] = maker.warnings()

    def raw_records(self, typing: Schema, progress: Progress | None = None) -> Iterator[RawRecord]:
        """The records of `records`, in the same order, before typing (core/sources/raw.py)."""
        maker = RecordMaker(typing, self.label)
        reader = RawReader(maker)
        for read in self._read(maker, progress):
            if isinstance(read, Record):
                yield _carried(read)
            else:
                yield self._raw(maker, reader, read)
        self._warnings[id(typing)] = maker.warnings()

    def _read(self, maker: RecordMaker, progress: Progress | None) -> Iterator[Record | _Read]:
        document = self._load()
        for key, value in document.items():
            if not key.startswith("$_"):
                continue  # "@muntil", "@success" and other root attributes
            for read in self._list(maker, key[2:], value, (key,), None, None, 0):
                if progress is not None:
                    progress.advance()
                yield read

    # ----- parsing
    def _load(self) -> dict[str, Any]:
        self.limits.check_file(self.path, self.label, loaded=True)
        try:
            text = self.path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise SourceError(f"{self.label}: cannot read the file ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            line, column = _position(exc.object, exc.start)
            raise SourceError(
                f"{self.label}: line {line}, column {column}: not UTF-8 ({exc.reason})"
            ) from None
        try:
            document = json.loads(text, object_pairs_hook=_object)
        except json.JSONDecodeError as exc:
            raise SourceError(
                f"{self.label}: line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"
            ) from None
        except (ValueError, RecursionError) as exc:
            raise SourceError(
                f"{self.label}: line 1, column 1: cannot read the JSON ({_short(exc)})"
            ) from None
        if isinstance(document, _Object) and document.duplicated is not None:
            line = _second_line(text, document.duplicated)
            raise SourceError(
                f'{self.label}: line {line} (pointer ""): the key {document.duplicated!r} '
                "appears twice (the second list would silently replace the first)"
            )
        if not isinstance(document, dict):
            line, column = _first_token(text)
            raise SourceError(
                f'{self.label}: line {line}, column {column} (pointer ""): '
                "not an S3JSON file (the document is not an object)"
            )
        return document

    # ----- records
    def _list(
        self,
        maker: RecordMaker,
        name: str,
        items: Any,
        path: tuple[str | int, ...],
        master: Resource | None,
        master_uuid: str | None,
        level: int,
    ) -> Iterator[Record | _Read]:
        res = maker.resource(name)
        if res is None:
            return
        if isinstance(items, dict):
            items = [items]  # a single record instead of a list of one
        if not isinstance(items, list):
            yield self._broken(res, path, f"{name} must be a list of records")
            return
        for number, item in enumerate(items):
            yield from self._resource(maker, res, item, (*path, number), master, master_uuid, level)

    def _resource(
        self,
        maker: RecordMaker,
        res: Resource,
        item: Any,
        path: tuple[str | int, ...],
        master: Resource | None,
        master_uuid: str | None,
        level: int,
    ) -> Iterator[Record | _Read]:
        if not isinstance(item, dict):
            yield self._broken(res, path, "a record must be an object")
            return
        children = [(key, value) for key, value in item.items() if key.startswith("$_")]
        if children and level + 1 >= self.limits.depth:
            raise SourceError(
                f"{self.label}: pointer {pointer(*path, children[0][0])!r}: records nested "
                f"deeper than {self.limits.depth} levels (components of components…): refused"
            )
        yield _Read(res, item, f"{self.label} {pointer(*path)}", master, master_uuid)
        raw_uuid = item.get("@uuid")
        uuid = canonical_uuid(raw_uuid) if isinstance(raw_uuid, str) else None
        for key, value in children:
            yield from self._list(maker, key[2:], value, (*path, key), res, uuid, level + 1)

    def _typed(self, maker: RecordMaker, read: _Read) -> Record:
        """The typed record, as the straightforward path reads it."""
        res, item = read.res, read.item
        meta = {name: _scalar(item.get("@" + name)) for name in _META}
        raw_uuid = item.get("@uuid")
        if raw_uuid is not None and not isinstance(raw_uuid, str):
            meta["uuid"] = None
        record = maker.start(res, read.place, meta)
        if raw_uuid is not None and not isinstance(raw_uuid, str):
            record.problems.append(Problem("uuid", f"@uuid must be text, not {_kind(raw_uuid)}"))
        if isinstance(item, _Object) and item.duplicated is not None:
            record.problems.append(
                Problem(None, f"the key {item.duplicated!r} appears twice in the record")
            )
        if read.master is not None:
            maker.nest(res, record, read.master, read.master_uuid)
        for key, value in item.items():
            if key.startswith("@") or key.startswith("$_"):
                continue
            if key.startswith("$k_"):
                self._reference(maker, res, record, key[3:], value)
            elif key != "$":
                self._data(maker, res, record, key, value)
        return record

    def _raw(self, maker: RecordMaker, reader: RawReader, read: _Read) -> RawRecord:
        """The raw record; typed at once when reading it already says something unusual."""
        res, item = read.res, read.item
        raw_uuid = item.get("@uuid")
        master: Any = None
        if read.master is not None:
            master = reader.nest(res, read.master, read.master_uuid)
        values: dict[str, Any] | None = {}
        content = []
        for key, value in item.items():
            if key.startswith("$_"):
                continue
            content.append((key, value))
            if key.startswith("@") or key == "$":
                continue
            found = (
                _raw_reference(reader, res, key[3:], value)
                if key.startswith("$k_")
                else (_raw_data(reader, res, key, value))
            )
            # UNSURE empties values; reading on looks every name up, for the warnings.
            values, master = take_cell(found, values, master)
        uuid = canonical_uuid(raw_uuid) if isinstance(raw_uuid, str) else None
        meta = tuple(_scalar(item.get("@" + name)) for name in _META[1:])
        unusual = (
            values is None
            or uuid is None
            or master is UNSURE
            or (isinstance(item, _Object) and item.duplicated is not None)
        )
        if unusual:
            return _carried(self._typed(maker, read), uuid, read.place)
        master_name = str(read.master.name) if read.master is not None else None
        # repr tells apart what typing tells apart (1, 1.0, True, "1"; key order)
        text = repr((content, master_name, read.master_uuid))
        data = b"R" + text.encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(data, digest_size=16).digest()
        raw = RawRecord(res.name, uuid, read.place, meta, values, master, digest)
        raw.typer = lambda: self._typed(maker, read)
        return raw

    def _data(
        self, maker: RecordMaker, res: Resource, record: Record, name: str, value: Any
    ) -> None:
        if isinstance(value, _Object) and value.duplicated is not None:
            record.problems.append(Problem(name, f"the key {value.duplicated!r} appears twice"))
            return
        if isinstance(value, dict):
            if "@value" in value:
                maker.data(res, record, name, value["@value"])
            else:
                maker.data(res, record, name, _scalar(value.get("$", "")), from_text=True)
        elif isinstance(value, str):
            maker.data(res, record, name, value, from_text=True)
        else:
            maker.data(res, record, name, value)

    def _reference(
        self, maker: RecordMaker, res: Resource, record: Record, name: str, value: Any
    ) -> None:
        if isinstance(value, list):  # Eden's list:reference as a list of objects
            refs = [v for v in value if isinstance(v, dict)]
            uuids = [v.get("@uuid") for v in refs]
            if len(refs) != len(value) or not all(isinstance(u, str) for u in uuids):
                record.problems.append(
                    Problem(name, "a reference list must hold objects with a text @uuid")
                )
                return
            targets = {v.get("@resource") for v in refs}
            target = targets.pop() if len(targets) == 1 else None
            maker.reference(res, record, name, target, uuids)
            return
        if not isinstance(value, dict):
            maker.reference(res, record, name, None, _scalar(value))
            return
        if isinstance(value, _Object) and value.duplicated is not None:
            record.problems.append(Problem(name, f"the key {value.duplicated!r} appears twice"))
            return
        uuid = value.get("@uuid")
        if uuid is not None and not isinstance(uuid, str):
            record.problems.append(Problem(name, f"@uuid must be text, not {_kind(uuid)}"))
            return
        target = value.get("@resource")
        maker.reference(
            res, record, name, target if isinstance(target, str) else None, value.get("@uuid")
        )

    def _broken(self, res: Resource, path: tuple[str | int, ...], message: str) -> Record:
        record = Record(
            resource=res.name, uuid=None, values={}, place=f"{self.label} {pointer(*path)}"
        )
        record.problems.append(Problem(None, message))
        return record


class _Read:
    """One record object as found in the document, with its place and master."""

    __slots__ = ("res", "item", "place", "master", "master_uuid")

    def __init__(
        self,
        res: Resource,
        item: dict[str, Any],
        place: str,
        master: Resource | None,
        master_uuid: str | None,
    ) -> None:
        self.res, self.item, self.place = res, item, place
        self.master, self.master_uuid = master, master_uuid


def _carried(record: Record, uuid: str | None = None, place: str | None = None) -> RawRecord:
    """A record typed while reading, carried as it is; its digest is its typed content's."""
    digest = b"T" + content_digest(record)
    raw = RawRecord(record.resource, record.uuid, place or record.place, (), None, None, digest)
    raw.record = record
    return raw


def _raw_data(reader: RawReader, res: Resource, name: str, value: Any) -> Any:
    """What `S3JsonFile._data` would record, before typing (`RawReader.data`)."""
    if isinstance(value, _Object) and value.duplicated is not None:
        return UNSURE
    if isinstance(value, dict):
        if "@value" in value:
            return reader.data(res, name, value["@value"], False)
        return reader.data(res, name, _scalar(value.get("$", "")), True)
    return reader.data(res, name, value, isinstance(value, str))


def _raw_reference(reader: RawReader, res: Resource, name: str, value: Any) -> Any:
    """What `S3JsonFile._reference` would record, before typing (`RawReader.reference`)."""
    if isinstance(value, list):
        return UNSURE  # a reference list: only typing knows
    if not isinstance(value, dict):
        return reader.reference(res, name, None, _scalar(value))
    if isinstance(value, _Object) and value.duplicated is not None:
        return UNSURE
    uuid = value.get("@uuid")
    if uuid is not None and not isinstance(uuid, str):
        return UNSURE
    target = value.get("@resource")
    return reader.reference(res, name, target if isinstance(target, str) else None, uuid)


def _scalar(value: Any) -> Any:
    """Meta attributes and uuids are text; numbers are accepted, structures are not."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value)


class _Object(dict):
    """A JSON object; `duplicated` names a key it held twice (json keeps only the last)."""

    duplicated: str | None = None


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = _Object(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                result.duplicated = key
                break
            seen.add(key)
    return result


def _second_line(text: str, key: str) -> int:
    """The line of a key's second spelling in the text (json does not say where)."""
    quoted = json.dumps(key)
    first = text.find(quoted)
    second = text.find(quoted, first + 1) if first >= 0 else -1
    return text.count("\n", 0, second) + 1 if second >= 0 else 1


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a boolean" if isinstance(value, bool) else "a number"


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _first_token(text: str) -> tuple[int, int]:
    stripped = len(text) - len(text.lstrip())
    line = text.count("\n", 0, stripped) + 1
    return line, stripped - (text.rfind("\n", 0, stripped) + 1) + 1


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
