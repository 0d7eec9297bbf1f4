"""S3JSON files as a source of OTHER records (docs/semantics.md, Sources).

The S3XML tree as JSON: `{"$_TABLE": [{"@uuid": .., "FIELD": "text" | {"@value": v,
"$": "text"}, "$k_FIELD": {"@resource": T, "@uuid": U}, "$_CHILD": [..]}]}`. Places are
JSON pointers (`/$_pr_person/3`). The document is loaded whole (the standard library
has no streaming JSON parser); S3XML is the format for very large exchanges.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from core.progress import Progress
from core.records import Problem, Record
from core.schema import Resource, Schema
from core.sources.errors import SourceError
from core.sources.exchange import FileSource, RecordMaker

_META = ("uuid", "modified_on", "created_on", "deleted", "mci")


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class S3JsonFile(FileSource):
    """An S3JSON file; every record is typed by THIS's schema."""

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        document = self._load()
        maker = RecordMaker(typing, self.label)
        for key, value in document.items():
            if not key.startswith("$_"):
                continue  # "@muntil", "@success" and other root attributes
            for record in self._list(maker, key[2:], value, (key,), None, None, 0):
                if progress is not None:
                    progress.advance()
                yield record
        self._warnings[id(typing)] = maker.warnings()

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
    ) -> Iterator[Record]:
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
    ) -> Iterator[Record]:
        if not isinstance(item, dict):
            yield self._broken(res, path, "a record must be an object")
            return
        meta = {name: _scalar(item.get("@" + name)) for name in _META}
        raw_uuid = item.get("@uuid")
        if raw_uuid is not None and not isinstance(raw_uuid, str):
            meta["uuid"] = None
        record = maker.start(res, f"{self.label} {pointer(*path)}", meta)
        if raw_uuid is not None and not isinstance(raw_uuid, str):
            record.problems.append(Problem("uuid", f"@uuid must be text, not {_kind(raw_uuid)}"))
        if isinstance(item, _Object) and item.duplicated is not None:
            record.problems.append(
                Problem(None, f"the key {item.duplicated!r} appears twice in the record")
            )
        if master is not None:
            maker.nest(res, record, master, master_uuid)
        children = []
        for key, value in item.items():
            if key.startswith("@"):
                continue
            if key.startswith("$_"):
                children.append((key, value))
            elif key.startswith("$k_"):
                self._reference(maker, res, record, key[3:], value)
            elif key != "$":
                self._data(maker, res, record, key, value)
        if children and level + 1 >= self.limits.depth:
            raise SourceError(
                f"{self.label}: pointer {pointer(*path, children[0][0])!r}: records nested "
                f"deeper than {self.limits.depth} levels (components of components…): refused"
            )
        yield record
        for key, value in children:
            yield from self._list(maker, key[2:], value, (*path, key), res, record.uuid, level + 1)

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
