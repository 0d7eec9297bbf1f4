"""The "Unresolved N of M" counter, read from the vector list's arrays.

N counts the vectors with an unresolved conflict (core/unresolved.py), M those with a
conflict at all (which no decision changes). Both are flags per vector in the list's
`VectorTable`, built off the UI thread with the plan and kept current from every
override's change set, so the counter is two array counts, never a pass over the plan.
"""

from __future__ import annotations

from gui.vector_table import VectorTable


def unresolved_text(table: VectorTable | None) -> str:
    if table is None:
        return ""
    return f"Unresolved {table.unresolved_count()} of {table.conflicted_count()}"
