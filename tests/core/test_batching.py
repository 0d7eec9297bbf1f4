from __future__ import annotations

import pytest

from core.batching import chunks


def test_chunks_cover_every_item_in_order_without_empty_batches() -> None:
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks(range(6), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert list(chunks([], 3)) == []


def test_chunks_consume_a_generator_lazily() -> None:
    seen: list[int] = []

    def numbers():
        for n in range(10):
            seen.append(n)
            yield n

    first = next(chunks(numbers(), 4))
    assert first == [0, 1, 2, 3]
    assert seen == [0, 1, 2, 3]


def test_chunks_refuse_a_size_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunks([1], 0))
