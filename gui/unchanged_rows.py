"""The plan's unchanged rows for the vector list, read a page at a time.

A plan may hold its unchanged rows as a list, or as a set that reads them from THIS on
demand (`len()`, `page(start, stop)`): then each page is fetched once through the
window's database worker and cached; a row not fetched yet reads as None and the model
repaints its page when `arrived` fires.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from core.plan import Unchanged

# A page is read on the worker while the UI paints; the worker holds the GIL while it
# turns rows into Python objects, so a page is kept short (500 rows held it 15-30 ms,
# which the UI thread waited out in the middle of a scroll step; 100 rows, 1-2 ms).
PAGE = 100
_CACHED_PAGES = 1000  # 100k rows: a few screens of scrolling back and forth
Submit = Callable[[Callable[[], Any], Callable[[Any], None]], None]


class Paged(Protocol):
    def __len__(self) -> int: ...

    def page(self, start: int, stop: int) -> list[Unchanged]: ...


def _held(rows: Sequence[Unchanged] | Paged) -> list[Unchanged] | None:
    """The rows as a list when they are all in memory (a list, or a set holding every
    row itself), else None: then they are read from THIS, a page at a time."""
    if isinstance(rows, list | tuple):
        return list(rows)
    held = getattr(rows, "held_rows", None)
    if held is not None and sum(1 for _ in held()) == len(rows):
        return list(rows)  # type: ignore[call-overload]
    return None


class UnchangedRows(QObject):
    arrived = Signal(int, int)  # first and last row index of a fetched page

    def __init__(
        self, rows: Sequence[Unchanged] | Paged, submit: Submit | None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._size = len(rows)
        held = _held(rows)
        self._rows: Sequence[Unchanged] | Paged = rows if held is None else held
        self._submit = submit
        self._in_memory = held is not None
        self._pages: OrderedDict[int, list[Unchanged]] = OrderedDict()
        self._asked: set[int] = set()

    def __len__(self) -> int:
        return self._size

    @property
    def in_memory(self) -> bool:
        return self._in_memory

    def all(self) -> Sequence[Unchanged]:
        """Every row, for searching; only for rows held in memory."""
        return self._rows if self._in_memory else ()  # type: ignore[return-value]

    def get(self, j: int) -> Unchanged | None:
        if self._in_memory:
            return self._rows[j]  # type: ignore[index]
        number = j // PAGE
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page[j - number * PAGE] if j - number * PAGE < len(page) else None
        self._ask(number)
        return None

    def _ask(self, number: int) -> None:
        if number in self._asked or self._submit is None:
            return
        self._asked.add(number)
        start, stop = number * PAGE, min((number + 1) * PAGE, self._size)
        rows = self._rows

        def fetch() -> list[Unchanged]:
            return rows.page(start, stop)  # type: ignore[union-attr]

        self._submit(fetch, lambda page: self._keep(number, page))

    def _keep(self, number: int, page: list[Unchanged]) -> None:
        self._asked.discard(number)
        self._pages[number] = page
        while len(self._pages) > _CACHED_PAGES:
            self._pages.popitem(last=False)
        start = number * PAGE
        self.arrived.emit(start, start + len(page) - 1)
