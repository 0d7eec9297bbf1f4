"""Work that can run in steps: a generator that yields between chunks and returns its result.

A window drives such work from its event loop in short slices, so a bulk override at a
million vectors never holds the UI thread for long (gui/plan_steps.py); everything else
runs it to the end in one go with `run_steps`. A piece of work that touches fewer than
`STEP` items yields nowhere, so small changes finish in the call that starts them.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
Steps = Generator[None, None, T]

STEP = 512  # items between two yields: a few milliseconds of Python per step


def run_steps(steps: Steps[T]) -> T:
    """Run stepwise work to its end and return its result."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """`items` in consecutive lists of `STEP`; callers yield before every list but the
    first (`for i, chunk in enumerate(chunks(xs)): if i: yield`), so fewer than `STEP`
    items never yield."""
    step = STEP
    return (items[start : start + step] for start in range(0, len(items), step))
