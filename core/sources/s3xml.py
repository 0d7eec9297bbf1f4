"""S3XML files as a source of OTHER records, streamed and hardened (docs/semantics.md, Sources and
Bad input).

The file is parsed incrementally with lxml's `iterparse`; each top-level `<resource>`
subtree is turned into records, then freed together with its preceding siblings, so
memory stays flat however large the file is (PERF-NOTES: ~230k records/s, ~18 MB).
DTDs are refused outright: no entity is ever expanded and nothing is ever fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from core.progress import Progress
from core.records import Problem, Record
from core.schema import Resource, Schema
from core.sources.errors import SourceError
from core.sources.exchange import FileSource, RecordMaker, decode_value

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
                        yield from self._top_level(maker, elem, progress)
                    _free(elem)
        except etree.XMLSyntaxError as exc:
            raise SourceError(self._syntax_message(exc)) from None
        except etree.LxmlError as exc:
            raise SourceError(f"{self.label}: line 1, column 1: cannot parse: {exc}") from None
        self._warnings[id(typing)] = maker.warnings()

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
    def _top_level(
        self, maker: RecordMaker, elem: etree._Element, progress: Progress | None
    ) -> Iterator[Record]:
        for record in self._resource(maker, elem, None, None, 0):
            if progress is not None:
                progress.advance()
            yield record

    def _resource(
        self,
        maker: RecordMaker,
        elem: etree._Element,
        master: Resource | None,
        master_uuid: str | None,
        level: int,
    ) -> Iterator[Record]:
        res = maker.resource(elem.get("name") or "")
        if res is None:
            return  # an unknown resource is skipped with its components
        place = f"{self.label} line {elem.sourceline}"
        record = maker.start(res, place, {name: elem.get(name) for name in _META})
        if elem.get("name") is None:
            record.problems.append(Problem(None, "<resource> without a name"))
        if master is not None:
            maker.nest(res, record, master, master_uuid)
        children: list[etree._Element] = []
        for child in elem:
            tag = child.tag
            if tag == "data":
                self._data(maker, res, record, child)
            elif tag == "reference":
                self._reference(maker, res, record, child)
            elif tag == "resource":
                children.append(child)
        if children and level + 1 >= self.limits.depth:
            raise self._too_deep(children[0])
        yield record
        for child in children:
            yield from self._resource(maker, child, res, record.uuid, level + 1)

    def _data(
        self, maker: RecordMaker, res: Resource, record: Record, elem: etree._Element
    ) -> None:
        name = _field_name(elem, record)
        if not name:
            return
        raw = elem.get("value")
        if raw is not None:
            maker.data(res, record, name, decode_value(raw))
        else:
            maker.data(res, record, name, elem.text or "", from_text=True)

    def _reference(
        self, maker: RecordMaker, res: Resource, record: Record, elem: etree._Element
    ) -> None:
        name = _field_name(elem, record)
        if not name:
            return
        maker.reference(res, record, name, elem.get("resource"), elem.get("uuid"))


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


def _field_name(elem: etree._Element, record: Record) -> str | None:
    """The `field` attribute of a <data> or <reference>; its absence is the record's problem."""
    name = elem.get("field")
    if not name:
        record.problems.append(
            Problem(None, f"line {elem.sourceline}: <{_name(elem.tag)}> without a field")
        )
    return name or None
