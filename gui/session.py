"""What the window is working on: the two sources, the plan, and how they were opened.

Loading and committing are plain functions of a `Progress`, run by `gui.tasks` off the UI
thread; they only call the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.commit import CommitReport, commit_plan
from core.labels import reference_labels
from core.plan import Plan
from core.progress import Progress
from core.session import SAMPLE_OTHER, SAMPLE_THIS, Pair, load_policy, open_pair


@dataclass(frozen=True)
class Sources:
    """How to open a pair: specs as typed by the operator."""

    this: str
    other: str
    mapping: str = "conventions"
    policy: str = "fallback"

    @property
    def is_sample(self) -> bool:
        return (
            Path(self.this).resolve() == SAMPLE_THIS.resolve()
            and Path(self.other).resolve() == SAMPLE_OTHER.resolve()
        )


def sample_sources() -> Sources:
    return Sources(str(SAMPLE_THIS), str(SAMPLE_OTHER))


@dataclass
class Loaded:
    """The result of one background load."""

    sources: Sources
    pair: Pair
    plan: Plan
    labels: dict[tuple[str, str], str] = field(default_factory=dict)


def loader(sources: Sources) -> Callable[[Progress], Loaded]:
    """The work of opening a pair and computing its plan, for a background task."""

    def work(progress: Progress) -> Loaded:
        progress.set_total(0, "opening sources")
        pair = open_pair(sources.this, sources.other, sources.mapping)
        plan = pair.plan(load_policy(sources.policy), progress)
        progress.set_total(0, "reading reference labels")
        return Loaded(sources, pair, plan, reference_labels(plan, pair.this))

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
