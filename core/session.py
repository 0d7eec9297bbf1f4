"""Opening a THIS/OTHER pair by name: the one entry point the CLI and the GUI share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources as package_files
from pathlib import Path

from core.mapping import Mapping, load_mapping
from core.matching import Source, build_plan
from core.plan import Plan
from core.policy import FALLBACK, PRESETS, Policy, preset
from core.progress import Progress
from core.sources.sql import SqlDataset

REPO_ROOT = Path(__file__).resolve().parents[1]
# Package data (resources/), so an installed wheel finds them as a checkout does.
SAMPLES = Path(str(package_files.files("resources") / "samples"))
SAMPLE_THIS = SAMPLES / "local.db"
SAMPLE_OTHER = SAMPLES / "incoming.db"


def open_this(spec: str | Path, mapping: Mapping) -> SqlDataset:
    """THIS is always a database: a SQLite path or a SQLAlchemy URL."""
    return SqlDataset(spec, mapping)


def open_other(spec: str | Path | Sequence[str | Path], mapping: Mapping) -> Source:
    """OTHER may be a database, or one or several exchange files (S3XML, S3JSON, CSV
    folders) read as one dataset (docs/semantics.md, Several OTHER files)."""
    specs = [spec] if isinstance(spec, (str, Path)) else list(spec)
    try:
        from core.sources.multi import open_others
    except ImportError:  # exchange readers not installed in this build
        return SqlDataset(specs[0], mapping, readonly=True)
    return open_others(specs, mapping)


def load_policy(spec: str | None, hook_timeout: float | None = None) -> Policy:
    """A preset name or a policy file; None is the fallback of docs/semantics.md, Strategy.
    `hook_timeout`: seconds a Python policy's hook may take per vector (None: default)."""
    if spec is None or spec == "fallback":
        return FALLBACK
    if spec in PRESETS:
        return preset(spec)
    try:
        from core.policy_files import load_policy_file
    except ImportError:
        return preset(spec)  # raises the "unknown preset" error
    if hook_timeout is None:
        return load_policy_file(spec)
    return load_policy_file(spec, hook_timeout)


@dataclass
class Pair:
    this: SqlDataset
    other: Source
    mapping: Mapping

    def plan(self, policy: Policy = FALLBACK, progress: Progress | None = None) -> Plan:
        policy.validate(self.this.schema)
        return build_plan(self.this, self.other, policy, progress)


def open_pair(
    this_spec: str | Path,
    other_spec: str | Path | Sequence[str | Path],
    mapping: str | Path | Mapping | None = None,
) -> Pair:
    resolved = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    return Pair(open_this(this_spec, resolved), open_other(other_spec, resolved), resolved)
