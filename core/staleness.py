"""The stale check's public names; it lives with the commit (core/commit/staleness.py)."""

from __future__ import annotations

from core.commit.staleness import StaleError, check_stale

__all__ = ["StaleError", "check_stale"]
