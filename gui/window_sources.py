"""The window's sources: opening a pair in the background, reloading, recent files, and
taking a computed plan into the window.

A mixin of `MainWindow` (gui/main_window.py): the attributes it reads are the window's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from core.decisions import DecisionsReport
from core.progress import Progress
from gui.banner import banner_notes
from gui.collector import built_without_collection, collect_replaced
from gui.dialogs import OpenSourceDialog, show_failure
from gui.keep import carry_decisions, rebind_undo
from gui.other_files import split_others
from gui.prompts import offer_autosaved, report_carried
from gui.session import AUTO, Loaded, Sources, loader
from gui.vector_table import VectorTable

if TYPE_CHECKING:
    from gui.main_window import MainWindow

RECENT_KEY = "recent/{side}"
_RECENT_MAX = 8


class SourcesMixin:
    def open_sources(self: MainWindow, sources: Sources, keep: bool = False) -> None:
        """Open a pair in the background; a load already running is cancelled.

        With `keep`, the current decisions and undo history are carried onto the new plan.
        """
        self._keeping = self.settled_plan() if keep else None
        self.session.sources = sources
        self.show_message(f"Opening {sources.this} and {sources.other_text}…")
        self.loads.start(with_table(loader(sources)))

    def reload(self: MainWindow, keep: bool = True) -> None:
        """Read both sources again (F5); decisions and undo are kept unless told not to."""
        if self.session.sources is not None:
            self.autosave.flush()
            self.open_sources(self.session.sources, keep=keep)

    def choose_source(self: MainWindow, side: str) -> None:
        current = self.session.sources
        spec = (current.this if side == "THIS" else current.other_text) if current else ""
        dialog = OpenSourceDialog(
            side, spec, current.mapping if current else AUTO, self.recent(side), self
        )
        if dialog.exec() != OpenSourceDialog.DialogCode.Accepted:
            return
        location, mapping = dialog.chosen()
        if location:
            self.replace_source(side, location, mapping)

    def replace_source(
        self: MainWindow, side: str, location: str, mapping: str | None = None
    ) -> None:
        if not self.confirm_discard():
            return
        current = self.session.sources or Sources("", "")
        mapping = mapping or current.mapping
        if side == "THIS":
            this, other = location, current.other
        else:
            this, other = current.this, split_others(location)
        self.remember(side, location)
        sources = replace(current, this=this, other=other, mapping=mapping)
        if this and other:
            self.open_sources(sources)
        else:
            self.session.sources = sources
            self.show_message(f"{side} set to {location}; now open the other side.")

    def recent(self: MainWindow, side: str) -> list[str]:
        value = self.settings.value(RECENT_KEY.format(side=side), [])
        return [value] if isinstance(value, str) else list(value or [])

    def remember(self: MainWindow, side: str, location: str) -> None:
        items = [location] + [r for r in self.recent(side) if r != location]
        self.settings.setValue(RECENT_KEY.format(side=side), items[:_RECENT_MAX])

    def _loaded(self: MainWindow, result: tuple[Loaded, VectorTable]) -> None:
        """The plan and its arrays arrived from the worker: show them. Nothing here passes
        over every vector (the arrays were built on the worker), so the UI answers."""
        loaded, table = result
        self.plan_steps.finish()  # decisions made while loading are carried over too
        old, self._keeping = self._keeping, None
        carried = carry_decisions(old, loaded.plan) if old is not None else None
        if old is not None:
            rebind_undo(self.undo_stack, old, loaded.plan)
        else:
            self.undo_stack.clear()
        replaced = self.session.loaded is not None
        self.session.loaded = loaded
        self.autosave.track(loaded.sources.this, loaded.sources.other)
        self.fields.model.set_labels(loaded.labels)
        if carried is not None:  # decisions carried over changed actions after the table
            table.retake_actions(loaded.plan)
        self.vectors.set_plan(loaded.plan, table)
        self._update_banner()
        self._update_title()
        self._update_unresolved()
        self.actions_.update_enabled()
        self.show_message(
            f"{table.size} vectors, {table.conflicted_count()} with "
            f"conflicts; policy {loaded.plan.policy_name}."
        )
        if carried is not None:
            self._report_carried(carried)
        else:
            self.offer_autosaved()
        self.keys.step(+1) if self.vectors.current_entry() is None else self.keys.land()
        if replaced:  # after the new plan is painted
            QTimer.singleShot(0, collect_replaced)

    def _report_carried(self: MainWindow, report: DecisionsReport) -> None:
        report_carried(self, report)

    def offer_autosaved(self: MainWindow) -> None:
        """After a crash or a kill: offer the decisions autosaved for this pair."""
        offer_autosaved(self)

    def _load_failed(self: MainWindow, error: object, details: str) -> None:
        self.show_message("Could not open the sources.")
        assert isinstance(error, BaseException)
        show_failure(self, "Cannot open", error, details, retry=lambda: self.reload(keep=True))

    def _update_banner(self: MainWindow) -> None:
        loaded = self.session.loaded
        notes = banner_notes(self.session.sources, loaded, self.session.preview_only)
        self.banner.show_notes(notes, loaded.plan.warnings if loaded else [])
        if loaded is not None:
            how = " (detected: THIS looks like a Sahana Eden database)" if loaded.detected else ""
            self.mapping.setText(f"Mapping: {Path(loaded.mapping).name}{how}")


def with_table(work: Callable[[Progress], Loaded]) -> Callable[[Progress], object]:
    """The load, plus the vector list's arrays, built on the worker, not the UI thread."""

    def build(progress: Progress) -> tuple[Loaded, VectorTable]:
        loaded = work(progress)
        return loaded, VectorTable(loaded.plan).complete()

    def run(progress: Progress) -> tuple[Loaded, VectorTable]:
        return built_without_collection(lambda: build(progress))

    return run
