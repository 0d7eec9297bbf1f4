"""What the window is working on: the two sources, the plan, and how they were opened.

Loading and committing are plain functions of a `Progress`, run by `gui.tasks` off the UI
thread; they only call the core.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.commit import CommitReport, commit_plan
from core.labels import reference_labels
from core.mapping import looks_like_eden
from core.plan import Plan
from core.policy import Policy, allow_deletions
from core.progress import Progress
from core.session import SAMPLE_OTHER, SAMPLE_THIS, Pair, load_policy, open_pair
from core.sources.sql_engine import make_engine
from core.writability import WRITABLE, Writability, probe_writable
from gui.other_files import join_others
from gui.userdata import data_dir

AUTO = "auto"  # the mapping: eden when THIS looks like an Eden database, else conventions


def sample_copy() -> Path:
    """The sample THIS the window works on: a fresh copy in the user's data directory, so
    no commit ever writes into the installed samples."""
    folder = data_dir() / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / SAMPLE_THIS.name
    shutil.copyfile(SAMPLE_THIS, copy)
    return copy


@dataclass(frozen=True)
class Sources:
    """How to open a pair: specs as typed by the operator."""

    this: str
    other: str | tuple[str, ...]  # one location, or several files read as one dataset
    mapping: str = AUTO
    policy: str = "fallback"
    allow_deletions: bool = False  # DELETE added to the policy's strategy (gui/deletions.py)

    def __post_init__(self) -> None:
        # One file stays a plain path, so a single OTHER reads, titles and keys as before.
        if not isinstance(self.other, str):
            others = tuple(str(o) for o in self.other)
            object.__setattr__(self, "other", others[0] if len(others) == 1 else others)

    @property
    def others(self) -> tuple[str, ...]:
        """OTHER's locations, one or more."""
        if isinstance(self.other, str):
            return (self.other,) if self.other else ()
        return self.other

    @property
    def other_text(self) -> str:
        """OTHER as one line of text (Open dialog, recent list)."""
        return join_others(self.others)

    @property
    def is_sample(self) -> bool:
        if len(self.others) != 1 or Path(self.others[0]).resolve() != SAMPLE_OTHER.resolve():
            return False
        this = Path(self.this).resolve()
        return this == SAMPLE_THIS.resolve() or this == (data_dir() / "samples" / "local.db")


def policy_in_force(sources: Sources) -> Policy:
    """The policy the sources name, with deletions added when the window's toggle is on."""
    policy = load_policy(sources.policy)
    return allow_deletions(policy) if sources.allow_deletions else policy


def sample_sources() -> Sources:
    return Sources(str(sample_copy()), str(SAMPLE_OTHER))


@dataclass
class Loaded:
    """The result of one background load."""

    sources: Sources
    pair: Pair
    plan: Plan
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    mapping: str = "conventions"  # the mapping actually used
    detected: bool = False  # chosen by looking at THIS, not by the operator
    writability: Writability = WRITABLE


def chosen_mapping(sources: Sources) -> tuple[str, bool]:
    """The mapping to open with, and whether it was detected rather than given."""
    if sources.mapping != AUTO:
        return sources.mapping, False
    engine = make_engine(sources.this, readonly=True)
    try:
        eden = looks_like_eden(engine)
    finally:
        engine.dispose()
    return ("eden", True) if eden else ("conventions", False)


def loader(sources: Sources) -> Callable[[Progress], Loaded]:
    """The work of opening a pair and computing its plan, for a background task."""

    def work(progress: Progress) -> Loaded:
        progress.set_total(0, "opening sources")
        mapping, detected = chosen_mapping(sources)
        other = sources.other if isinstance(sources.other, str) else list(sources.other)
        pair = open_pair(sources.this, other, mapping)
        plan = pair.plan(policy_in_force(sources), progress)
        progress.set_total(0, "checking that THIS can be written")
        writability = probe_writable(pair.this)
        progress.set_total(0, "reading reference labels")
        labels = reference_labels(plan, pair.this)
        return Loaded(sources, pair, plan, labels, mapping, detected, writability)

    return work


def committer(loaded: Loaded, dry_run: bool) -> Callable[[Progress], CommitReport]:
    def work(progress: Progress) -> CommitReport:
        return commit_plan(loaded.plan, loaded.pair.this, dry_run=dry_run, progress=progress)

    return work


@dataclass
class Session:
    """The window's state; one per window, passed explicitly."""

    preview_only: bool = False
    loaded: Loaded | None = None
    sources: Sources | None = None

    @property
    def plan(self) -> Plan | None:
        return self.loaded.plan if self.loaded else None
