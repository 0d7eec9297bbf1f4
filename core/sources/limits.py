"""Size limits on exchange files, checked while reading, before memory grows with them.

A hostile or broken file must be refused, not crash the reader or exhaust memory: a
2 GiB attribute value, a megabyte-deep nesting or a 50 GB file. The defaults are far
beyond any real Eden export, except that an S3JSON export of about 600k persons or more
outgrows the limit on files read whole (they take several times their size in memory):
such a deployment is read from S3XML, which streams. Tests lower the limits through the
`limits` parameter.
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
            # A file read whole takes several times its size in memory; S3XML streams.
            hint = " (it is read whole; an S3XML export of the same data streams)" if loaded else ""
            raise SourceError(
                f"{label}: line 1, column 1: the file is {size:,} bytes, over the limit of "
                f"{limit:,} bytes for this format{hint}"
            )


DEFAULT_LIMITS = Limits()
