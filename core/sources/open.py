"""Opening OTHER by what it is: an exchange file, a CSV folder or a database (docs/semantics.md,
Sources)."""

from __future__ import annotations

from pathlib import Path

from core.mapping import CONVENTIONS, Mapping
from core.sources.csvdir import CsvFolder
from core.sources.limits import DEFAULT_LIMITS, Limits
from core.sources.s3json import S3JsonFile
from core.sources.s3xml import S3XmlFile
from core.sources.sql import SqlDataset

Source = S3XmlFile | S3JsonFile | CsvFolder | SqlDataset

_XML = (".xml",)
_JSON = (".json", ".s3json")


def open_other(
    target: str | Path, mapping: Mapping = CONVENTIONS, limits: Limits = DEFAULT_LIMITS
) -> Source:
    """OTHER from a path or URL: `.xml` S3XML, `.json`/`.s3json` S3JSON, a folder of
    CSVs, anything else a database (opened read-only; `mapping` applies to it). `limits`
    bound what one exchange file may hold (docs/reliability.md)."""
    text = str(target)
    if "://" not in text:
        path = Path(text)
        suffix = path.suffix.lower()
        if suffix in _XML:
            return S3XmlFile(path, limits)
        if suffix in _JSON:
            return S3JsonFile(path, limits)
        if path.is_dir():
            return CsvFolder(path, limits)
    return SqlDataset(target, mapping, readonly=True)
