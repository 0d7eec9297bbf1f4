"""The msince export: what changed in a dataset since T, as S3XML, S3JSON or CSV
(docs/semantics.md, Exports).

Selection (all timestamps compared in UTC; msince is inclusive):
- a master is exported when its own `modified_on >= msince`, or when any of its
  components has `modified_on >= msince`;
- a component is exported (nested under its master) only when its own
  `modified_on >= msince`;
- every record referenced by what is exported is exported too, transitively, whatever
  its timestamp (a referenced component whose master is not exported stands alone,
  linked to its master by a `<reference>` on the link field, as Eden writes it);
- a record without `modified_on` (or with one that does not parse) counts as modified.

Order: top-level records oldest first, **undated records first**, ties in resource and
row order; in S3JSON, whose shape groups records by resource, oldest first within each
resource. `muntil` is the latest `modified_on` exported: written as a root attribute
(`<s3xml muntil="…">`, `"@muntil"`) and returned.

Values that failed to type in the database are exported as the raw text they hold, so
the file carries the same faults as the database and plans from either agree.

The dataset is read twice: a first pass keeps only identities, timestamps, masters and
reference targets (one query per table, joined to the targets' uuids); the second reads
the selected rows by key in batches, without joins, while writing, so the full records
are never all in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.export.selection import muntil_of, reference_targets, scan, select
from core.export.writers import write_csv, write_json, write_xml
from core.gcpause import paused_gc
from core.progress import Progress
from core.sources.sql import SqlDataset
from core.timestamps import TimestampError, parse_timestamp, to_utc

FORMATS = ("s3xml", "s3json", "csv")


class ExportError(ValueError):
    """An export that cannot be made (bad msince, unknown format); nothing is written."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    count: int  # records written, components included
    muntil: datetime | None  # the latest modified_on written


def parse_msince(text: str) -> datetime:
    """A strict ISO 8601 msince; anything else is an error, never a full export."""
    try:
        return parse_timestamp(text)
    except TimestampError:
        raise ExportError(
            f"msince {text!r} is not an ISO 8601 timestamp "
            "(e.g. 2024-05-01T10:00:00Z): nothing exported"
        ) from None


def export(
    dataset: SqlDataset,
    out_path: str | Path,
    fmt: str = "s3xml",
    msince: datetime | str | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the records of `dataset` modified since `msince` (all when None) to `out_path`.

    `fmt` is `s3xml`, `s3json` or `csv` (`out_path` is then a folder of `<resource>.csv`).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    if isinstance(msince, str):
        msince = parse_msince(msince)
    elif msince is not None:
        msince = to_utc(msince)
    progress = progress or Progress()
    # The index of every record holds no cycles: the collector would only walk it again
    # and again (a quarter of the scan at 100k persons).
    with paused_gc():
        entries = scan(dataset, progress)
        top = select(entries, msince, reference_targets(dataset))
    muntil = muntil_of(top)
    writer = {"s3xml": write_xml, "s3json": write_json, "csv": write_csv}[fmt]
    count = writer(dataset, Path(out_path), top, muntil, progress)
    return ExportResult(count, muntil)
