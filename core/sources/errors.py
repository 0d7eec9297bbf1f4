"""Errors a source raises when it cannot be read at all."""

from __future__ import annotations


class SourceError(Exception):
    """A dataset that cannot be opened or parsed; the message names the source and place."""
