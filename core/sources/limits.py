"""Size limits on exchange files, checked while reading, before memory grows with them.

A hostile or broken file must be refused, not crash the reader or exhaust memory: a
2 GiB attribute value, a megabyte-deep nesting or a 50 GB file. The defaults are far
beyond any real Eden export; tests lower them through the `limits` parameter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.sources.errors import SourceError


@dataclass(frozen=True, slots=True)
class Limits:
    """What one exchange file may hold."""

    value_bytes: int = 10_000_000  # one attribute value, text node or CSV cell (libxml2's own)
    depth: int = 64  # records nested in records (components of components…)
    file_bytes: int = 4 * 2**30  # a streamed file (S3XML, each CSV file)
    loaded_bytes: int = 512 * 2**20  # a file read whole (S3JSON: no streaming parser)

    def check_file(self, path: Path, label: str, *, loaded: bool = False) -> None:
        """Refuse a file larger than its limit before reading any of it."""
        limit = self.loaded_bytes if loaded else self.file_bytes
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            raise SourceError(f"{label}: cannot read the file ({exc.strerror})") from None
        if size > limit:
            raise SourceError(
                f"{label}: line 1, column 1: the file is {size:,} bytes, over the limit of "
                f"{limit:,} bytes for this format"
            )


DEFAULT_LIMITS = Limits()
