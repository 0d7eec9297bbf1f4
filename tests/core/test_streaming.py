"""build_plan hands out the vectors it has computed in chunks, before the plan exists."""

from __future__ import annotations

from typing import Any

import pytest

import core.matching
from core.progress import Progress
from core.session import open_pair
from tests.conftest import SAMPLES_DIR


class Collecting(Progress):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[list[Any]] = []

    def found(self, vectors: list[Any]) -> None:
        self.chunks.append(list(vectors))


def test_vectors_are_streamed_in_chunks_while_the_plan_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(core.matching, "_STREAM", 25)
    progress = Collecting()
    plan = open_pair(SAMPLES_DIR / "local.db", SAMPLES_DIR / "incoming.db").plan(progress=progress)
    assert len(progress.chunks) > 2
    assert all(len(chunk) >= 25 for chunk in progress.chunks)
    streamed = [v.identity for chunk in progress.chunks for v in chunk]
    assert len(streamed) == len(set(streamed))
    final = {v.identity for v in plan.vectors}
    assert set(streamed) <= final
