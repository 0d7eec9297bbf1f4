"""S3XML files as a source of OTHER records, streamed and hardened (docs/semantics.md, Sources and
Bad input).

The file is parsed incrementally with lxml's `iterparse`; each top-level `<resource>`
subtree is turned into records, then freed together with its preceding siblings, so
memory stays flat however large the file is (PERF-NOTES: ~230k records/s, ~18 MB).
DTDs are refused outright: no entity is ever expanded and nothing is ever fetched.
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from core.identity import canonical_uuid
from core.progress import Progress
from core.records import Problem, Record
from core.schema import Resource, Schema
from core.sources.errors import SourceError
from core.sources.exchange import FileSource, RecordMaker, decode_value
from core.sources.raw import UNSURE, RawReader, RawRecord, take_cell

_PROLOG_BYTES = 65536
# "<!DOCTYPE" as it appears in UTF-8/ASCII and both UTF-16 byte orders.
_DOCTYPE = re.compile(
    rb"<!DOCTYPE|<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E\x00|\x00<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E",
    re.IGNORECASE,
)
_CHUNK = 65536  # bytes fed to the parser at a time
_META = ("uuid", "modified_on", "created_on", "deleted", "mci")


def _doctype_refused(path: Path) -> SourceError:
    return SourceError(
        f"{path}: line 1, column 1: the file declares a DOCTYPE (DTD); "
        "DTDs and entities are refused in exchange files"
    )


class S3XmlFile(FileSource):
    """An S3XML file: one `<resource>` per record, nested resources are components."""

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        """Every record THIS has a resource for, in file order, masters before components."""
        maker = RecordMaker(typing, self.label)
        for read in self._read(maker, progress):
            yield _typed(maker, read)
        self._warnings[id(typing)] = maker.warnings()

    def raw_records(self, typing: Schema, progress: Progress | None = None) -> Iterator[RawRecord]:
        """The records of `records`, in the same order, before typing (core/sources/raw.py)."""
        maker = RecordMaker(typing, self.label)
        reader = RawReader(maker)
        for read in self._read(maker, progress):
            yield _raw(maker, reader, read)
        self._warnings[id(typing)] = maker.warnings()

    def _read(self, maker: RecordMaker, progress: Progress | None) -> Iterator[_Read]:
        self.limits.check_file(self.path, self.label)
        self._check_prolog()
        depth = 0
        # Elements: the root, `depth` levels of nested <resource>s and their <data>.
        max_depth = self.limits.depth + 2
        try:
            for event, elem in self._events():
                if event == "start":
                    depth += 1
                    if depth == 1:
                        self._check_root(elem)
                    elif depth > max_depth:
                        raise self._too_deep(elem)
                    continue
                depth -= 1
                if depth == 1:
                    if elem.tag == "resource":
                        for read in self._resource(maker, elem, None, None, 0):
                            if progress is not None:
                                progress.advance()
                            yield read
                    _free(elem)
        except etree.XMLSyntaxError as exc:
            raise SourceError(self._syntax_message(exc)) from None
        except etree.LxmlError as exc:
            raise SourceError(f"{self.label}: line 1, column 1: cannot parse: {exc}") from None

    # ----- parsing
    def _events(self) -> Iterator[tuple[str, etree._Element]]:
        """Parse events, the file fed to lxml in chunks each checked for its size limits
        first: libxml2 buffers a whole attribute value before its own limit applies (and
        crashes on a 2 GiB one), so an overlong run is refused before it reaches it."""
        parser = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
        )
        gaps = _MarkupGaps(self.limits.value_bytes, self.label)
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            raise SourceError(f"{self.label}: cannot read the file ({exc.strerror})") from None
        with stream:
            while chunk := _read(stream, gaps.chunk, self.label):
                gaps.check(chunk)
                parser.feed(chunk)
                yield from parser.read_events()
            parser.close()
            yield from parser.read_events()

    def _too_deep(self, elem: etree._Element) -> SourceError:
        return SourceError(
            f"{self.label}: line {elem.sourceline}: records nested deeper than "
            f"{self.limits.depth} levels (components of components…): refused"
        )

    def _check_prolog(self) -> None:
        # Refuse before libxml2 sees the DTD at all; the root check below is the backstop
        # for a prolog longer than what is scanned here.
        try:
            with self.path.open("rb") as stream:
                head = stream.read(_PROLOG_BYTES)
        except OSError as exc:
            raise SourceError(f"{self.label}: cannot read the file ({exc.strerror})") from None
        if _DOCTYPE.search(head):
            raise _doctype_refused(self.path)

    def _check_root(self, root: etree._Element) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
            raise _doctype_refused(self.path)
        if root.tag != "s3xml":
            raise SourceError(
                f"{self.label}: line {root.sourceline}: not an S3XML file "
                f"(the root element is <{_name(root.tag)}>, not <s3xml>)"
            )

    def _syntax_message(self, exc: etree.XMLSyntaxError) -> str:
        line, column = exc.position if exc.position else (exc.lineno, exc.offset)
        text = exc.msg or str(exc)
        return f"{self.label}: line {line or 1}, column {column or 1}: not well-formed XML: {text}"

    # ----- records
    def _resource(
        self,
        maker: RecordMaker,
        elem: etree._Element,
        master: Resource | None,
        master_uuid: str | None,
        level: int,
    ) -> Iterator[_Read]:
        """What one <resource> and the ones nested in it say, read once from the tree."""
        name = elem.get("name")
        res = maker.resource(name or "")
        if res is None:
            return  # an unknown resource is skipped with its components
        get = elem.get
        meta = (get("uuid"), get("modified_on"), get("created_on"), get("deleted"), get("mci"))
        cells: list[tuple[str, str | None, str | None, str | None, int | None]] = []
        children: list[etree._Element] = []
        for child in elem:
            tag = child.tag
            if tag == "data" or tag == "reference":
                field = child.get("field")
                if tag == "data":
                    first, second = child.get("value"), None
                    if first is None:
                        second = child.text or ""
                else:
                    first, second = child.get("resource"), child.get("uuid")
                # A cell without a field is a problem that names its line.
                cells.append((tag, field, first, second, None if field else child.sourceline))
            elif tag == "resource":
                children.append(child)
        if children and level + 1 >= self.limits.depth:
            raise self._too_deep(children[0])
        read = _Read(res, f"{self.label} line {elem.sourceline}", meta, name is not None, cells)
        read.master, read.master_uuid = master, master_uuid
        yield read
        uuid = canonical_uuid(meta[0])
        for child in children:
            yield from self._resource(maker, child, res, uuid, level + 1)


class _Read:
    """One <resource> as read: its meta attributes and its <data>/<reference> cells
    (tag, field, value or resource, text or uuid, the line of a cell without a field)."""

    __slots__ = ("res", "place", "meta", "named", "cells", "master", "master_uuid")

    def __init__(
        self,
        res: Resource,
        place: str,
        meta: tuple[str | None, ...],
        named: bool,
        cells: list[tuple[str, str | None, str | None, str | None, int | None]],
    ) -> None:
        self.res, self.place, self.meta, self.named, self.cells = res, place, meta, named, cells
        self.master: Resource | None = None
        self.master_uuid: str | None = None


def _typed(maker: RecordMaker, read: _Read) -> Record:
    """The typed record, as the straightforward path reads it."""
    res = read.res
    record = maker.start(res, read.place, dict(zip(_META, read.meta, strict=True)))
    if not read.named:
        record.problems.append(Problem(None, "<resource> without a name"))
    if read.master is not None:
        maker.nest(res, record, read.master, read.master_uuid)
    for tag, field, first, second, line in read.cells:
        if not field:
            record.problems.append(Problem(None, f"line {line}: <{tag}> without a field"))
        elif tag == "reference":
            maker.reference(res, record, field, first, second)
        elif first is not None:
            maker.data(res, record, field, decode_value(first))
        else:
            maker.data(res, record, field, second, from_text=True)
    return record


def _raw(maker: RecordMaker, reader: RawReader, read: _Read) -> RawRecord:
    """The raw record; typed at once when reading it already says something unusual."""
    res = read.res
    master: Any = None
    master_name = None
    if read.master is not None:
        master_name = str(read.master.name)  # a plain str (names may be a str subclass)
        master = reader.nest(res, read.master, read.master_uuid)
    values: dict[str, Any] | None = {}
    for tag, field, first, second, _line in read.cells:
        if not field:
            values = None
            continue
        if tag == "reference":
            found = reader.reference(res, field, first, second)
        elif first is not None:
            found = reader.data(res, field, decode_value(first), False)
        else:
            found = reader.data(res, field, second, True)
        # UNSURE empties values; reading on looks every name up, for the warnings.
        values, master = take_cell(found, values, master)
    uuid = canonical_uuid(read.meta[0])
    # marshal's version 2 writes equal content as equal bytes (no shared references)
    content = (read.meta[1:], read.named, read.cells, master_name, read.master_uuid)
    digest = hashlib.blake2b(marshal.dumps(content, 2), digest_size=16).digest()
    raw = RawRecord(res.name, uuid, read.place, read.meta[1:], values, master, digest)
    if values is None or uuid is None or master is UNSURE or not read.named:
        raw.values, raw.record = None, _typed(maker, read)
    else:
        raw.typer = lambda: _typed(maker, read)
    return raw


class _MarkupGaps:
    """Checks that no run of bytes between two `<` exceeds the value limit.

    An attribute value or a text node cannot contain a raw `<`, so this bounds both,
    at the cost of two `find`s per chunk (chunks are never longer than the limit, so a
    run inside one chunk is always short enough). CDATA sections, which may hold `<`,
    are bounded by libxml2 itself (10 MB without `huge_tree`).
    """

    def __init__(self, limit: int, label: str) -> None:
        self.limit = limit
        self.label = label
        self.chunk = max(1, min(_CHUNK, limit))
        self.run = 0  # bytes since the last "<"
        self.run_line = 1  # the line of that "<", where the overlong value begins
        self.lines = 1  # line number at the start of the next chunk

    def check(self, chunk: bytes) -> None:
        first = chunk.find(b"<")
        if first < 0:
            self.run += len(chunk)
        else:
            if self.run + first > self.limit:
                self._refuse()
            last = chunk.rfind(b"<")
            self.run = len(chunk) - last - 1
            self.run_line = self.lines + chunk.count(b"\n", 0, last)
        if self.run > self.limit:
            self._refuse()
        self.lines += chunk.count(b"\n")

    def _refuse(self) -> None:
        raise SourceError(
            f"{self.label}: line {self.run_line}: an attribute value or text longer than "
            f"{self.limit:,} bytes: refused (the limit on one value)"
        )


def _read(stream: BinaryIO, size: int, label: str) -> bytes:
    try:
        return stream.read(size)
    except OSError as exc:
        raise SourceError(f"{label}: cannot read the file ({exc.strerror})") from None


def _free(elem: etree._Element) -> None:
    """Drop a consumed record subtree and everything before it (lxml FAQ idiom)."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _name(tag: object) -> str:
    return tag if isinstance(tag, str) else type(tag).__name__
