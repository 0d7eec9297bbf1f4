"""The resolver window: vector list on the left, field grid on the right.

The window wires widgets to the session: it starts background loads and commits, and
turns the panels' requests into undo commands over the core plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.decisions import DecisionsReport
from core.edits import EditError, parse_edited_value
from core.plan import Edited, Plan
from core.progress import Progress
from core.vectors import Vector
from core.vocabulary import Resolution
from gui import commands
from gui.autosave import Autosave
from gui.banner import Banner, banner_notes
from gui.commit_flow import CommitFlow
from gui.dialogs import OpenSourceDialog, show_error, show_failure
from gui.field_panel import FieldPanel
from gui.first_run import FirstRunHint
from gui.history import HistoryDialog
from gui.keep import carry_decisions, rebind_undo
from gui.keyboard import KeyboardLoop
from gui.layout_memory import restore_layout, save_layout
from gui.legend import LegendDialog
from gui.menus import build_menus
from gui.other_files import is_feed, join_others, others_name, split_others
from gui.prompts import confirm_discard, offer_autosaved, report_carried
from gui.session import AUTO, Loaded, Session, Sources, loader, policy_in_force
from gui.tasks import Jobs, TaskRunner, database_worker
from gui.theme import Theme
from gui.unresolved_counter import UnresolvedCounter
from gui.vector_model import Filter
from gui.vector_panel import VectorPanel
from gui.vector_table import VectorTable

RECENT_KEY = "recent/{side}"
_RECENT_MAX = 8


class MainWindow(QMainWindow):
    def __init__(self, session: Session, theme: Theme, settings: QSettings | None = None) -> None:
        super().__init__()
        self.session = session
        self.theme = theme
        self.settings = settings or QSettings("Truce", "Truce")
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.auto_advance = True
        self.autosave = Autosave(lambda: self.plan, self)
        self.undo_stack.indexChanged.connect(lambda _: self.autosave.schedule())
        self.counter = UnresolvedCounter(self.undo_stack)
        self.undo_stack.indexChanged.connect(self._stack_moved)
        self._keeping: Plan | None = None  # the plan whose work a reload carries over
        self.history: HistoryDialog | None = None
        self.worker = database_worker(self)
        self.jobs = Jobs(self.worker, self)
        self.loads = TaskRunner(self, self.worker)
        self.loads.finished.connect(self._loaded)
        self.loads.found.connect(lambda vectors: self.vectors.add_provisional(vectors))
        self.loads.failed.connect(self._load_failed)
        self.loads.cancelled.connect(lambda: self.show_message("Loading cancelled."))
        self.commits = CommitFlow(self)
        self._build()
        self.keys = KeyboardLoop(self)
        self.actions_ = build_menus(self)
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        restore_layout(self)
        self._update_title()

    # ----- layout
    def _build(self) -> None:
        self.banner = Banner()
        self.vectors = VectorPanel(self.theme, submit=self.jobs.submit)
        self.vectors.entry_selected.connect(self._entry_selected)
        self.vectors.selection_counted.connect(self._selection_counted)
        self.vectors.default_requested.connect(self.set_defaults)
        self.vectors.strategy_requested.connect(self.set_strategies)
        self.fields = FieldPanel(self.theme)
        self.fields.resolution_requested.connect(self.set_resolution)
        self.fields.value_requested.connect(self.set_value)
        self.fields.strategy_requested.connect(self.set_strategy)
        self.fields.default_requested.connect(self.set_default)
        self.fields.bulk_requested.connect(self.bulk_resolution)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.vectors)
        self.splitter.addWidget(self.fields)
        self.splitter.setSizes([660, 620])
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 4)
        self.first_run = FirstRunHint(self.settings)
        layout.addWidget(self.first_run)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(240)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_work)
        self.stage = QLabel()
        self.mapping = QLabel()
        self.mapping.setObjectName("mapping_in_use")
        self.unresolved = QLabel()
        self.unresolved.setObjectName("unresolved")
        self.unresolved.setToolTip(
            "Conflicting fields whose winner no policy and no decision of yours chose "
            "(docs/semantics.md); F8 goes to the next one."
        )
        bar = self.statusBar()
        bar.addPermanentWidget(self.mapping)
        bar.addPermanentWidget(self.unresolved)
        bar.addPermanentWidget(self.stage)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        for runner in (self.loads, self.commits.runner):
            runner.progressed.connect(self._progressed)
            runner.running_changed.connect(self._running_changed)

    # ----- opening
    def open_sources(self, sources: Sources, keep: bool = False) -> None:
        """Open a pair in the background; a load already running is cancelled.

        With `keep`, the current decisions and undo history are carried onto the new plan.
        """
        self._keeping = self.plan if keep else None
        self.session.sources = sources
        self.show_message(f"Opening {sources.this} and {sources.other_text}…")
        self.loads.start(_with_table(loader(sources)))

    def reload(self, keep: bool = True) -> None:
        """Read both sources again (F5); decisions and undo are kept unless told not to."""
        if self.session.sources is not None:
            self.autosave.flush()
            self.open_sources(self.session.sources, keep=keep)

    def choose_source(self, side: str) -> None:
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

    def replace_source(self, side: str, location: str, mapping: str | None = None) -> None:
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

    def recent(self, side: str) -> list[str]:
        value = self.settings.value(RECENT_KEY.format(side=side), [])
        return [value] if isinstance(value, str) else list(value or [])

    def remember(self, side: str, location: str) -> None:
        items = [location] + [r for r in self.recent(side) if r != location]
        self.settings.setValue(RECENT_KEY.format(side=side), items[:_RECENT_MAX])

    def _loaded(self, result: tuple[Loaded, VectorTable]) -> None:
        loaded, table = result
        old, self._keeping = self._keeping, None
        carried = carry_decisions(old, loaded.plan) if old is not None else None
        if old is not None:
            rebind_undo(self.undo_stack, old, loaded.plan)
        else:
            self.undo_stack.clear()
        self.session.loaded = loaded
        self.counter.recount(loaded.plan)
        self.autosave.track(loaded.sources.this, loaded.sources.other)
        self.fields.model.set_labels(loaded.labels)
        if carried is not None:  # decisions carried over changed actions after the table
            table.retake_actions(loaded.plan)
        self.vectors.set_plan(loaded.plan, table)
        self._update_banner()
        self._update_title()
        self._update_unresolved()
        self.actions_.update_enabled()
        counts = loaded.plan.counts()
        self.show_message(
            f"{len(loaded.plan.vectors)} vectors, {counts['conflicts']} with "
            f"conflicts; policy {loaded.plan.policy_name}."
        )
        if carried is not None:
            self._report_carried(carried)
        else:
            self.offer_autosaved()
        self.keys.step(+1) if self.vectors.current_entry() is None else self.keys.land()

    def _report_carried(self, report: DecisionsReport) -> None:
        report_carried(self, report)

    def offer_autosaved(self) -> None:
        """After a crash or a kill: offer the decisions autosaved for this pair."""
        offer_autosaved(self)

    def _load_failed(self, error: object, details: str) -> None:
        self.show_message("Could not open the sources.")
        assert isinstance(error, BaseException)
        show_failure(self, "Cannot open", error, details, retry=lambda: self.reload(keep=True))

    def _update_banner(self) -> None:
        loaded = self.session.loaded
        notes = banner_notes(self.session.sources, loaded, self.session.preview_only)
        self.banner.show_notes(notes, loaded.plan.warnings if loaded else [])
        if loaded is not None:
            how = " (detected: THIS looks like a Sahana Eden database)" if loaded.detected else ""
            self.mapping.setText(f"Mapping: {Path(loaded.mapping).name}{how}")

    # ----- status
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def cancel_work(self) -> None:
        self.loads.cancel()
        self.commits.runner.cancel()

    def _progressed(self, done: int, total: int, stage: str) -> None:
        self.stage.setText(stage)
        self.progress.setRange(0, max(total, 0))
        if total:
            self.progress.setValue(min(done, total))

    def _running_changed(self, _running: bool) -> None:
        busy = self.loads.running or self.commits.runner.running
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setRange(0, 0)
        if not busy:
            self.stage.setText("")
        self.splitter.setEnabled(not self.commits.runner.running)
        self.actions_.update_enabled()

    def _update_title(self, *_: object) -> None:
        sources = self.session.sources
        name = "Truce"
        if sources is not None:
            name = f"{Path(sources.this).name} ← {others_name(sources.others)} — Truce"
        if self.session.preview_only:
            name += " (preview only)"
        self.setWindowTitle(f"{name}[*]")
        self.setWindowModified(self.unsaved)

    @property
    def unsaved(self) -> bool:
        plan = self.plan
        return plan is not None and not self.undo_stack.isClean() and plan.has_overrides

    @property
    def plan(self) -> Plan | None:
        return self.session.plan

    # ----- selection
    def _entry_selected(self, entry: int | None) -> None:
        row = self.vectors.model.row(entry) if entry is not None else None
        self.fields.show_row(row)

    def go_to(self, identity: tuple[str, str]) -> None:
        """Show one vector (from a dry run's row, the history, …), whatever the filter."""
        entry = self.vectors.model.entry_of(tuple(identity))
        if entry is None:
            return
        if not self.vectors.select_entry(entry):
            self.vectors.select_filter(Filter.ALL)
            self.vectors.select_entry(entry)
        self.keys.land()

    def current_vector(self) -> Vector | None:
        vector = self.fields.model.vector
        return vector if self.plan is not None else None

    def _selection_counted(self, count: int) -> None:
        if count > 1:
            self.show_message(f"{count} selected: S (skip) or the context menu applies to all")

    # ----- overrides (each is one undo step)
    def plan_context(self) -> commands.PlanContext | None:
        plan = self.plan
        return commands.PlanContext(plan, self.plan_changed) if plan is not None else None

    def plan_changed(self, positions: set[int] | None = None) -> None:
        """Repaint what an override changed: the vectors at `positions` (None: all)."""
        if positions is None:
            self.vectors.refresh()
        else:
            self.vectors.vectors_changed(positions)
        vector, plan = self.fields.model.vector, self.plan
        if (
            vector is not None
            and plan is not None
            and (positions is None or plan.position(vector) in positions)
        ):
            self.fields.refresh()
        self._update_title()
        self._update_unresolved()

    def _update_unresolved(self) -> None:
        self.counter.vector_changed(self.fields.model.vector)  # a merged edit moves no index
        self.unresolved.setText(self.counter.text())

    def _stack_moved(self, index: int) -> None:
        self.counter.stack_moved(index)
        self.unresolved.setText(self.counter.text())

    def _push(self, command: commands.QUndoCommand) -> None:
        if self.commits.runner.running:
            return  # the plan is being written; no edits until it is done
        self.undo_stack.push(command)

    def undo(self) -> None:
        if not self.commits.runner.running:
            self.undo_stack.undo()

    def redo(self) -> None:
        if not self.commits.runner.running:
            self.undo_stack.redo()

    def set_resolution(self, names: list[str], resolution: Resolution | None) -> None:
        vector, context = self.current_vector(), self.plan_context()
        if vector is None or context is None or not names:
            return
        typed = [n for n in names if vector.edited and n in vector.edited]
        if typed:  # choosing a side again drops the typed value: one undo step for both
            self.undo_stack.beginMacro(f"{', '.join(names)} → {resolution or 'policy'}")
            for name in typed:
                self._push(commands.SetFieldValue(context, vector, name, None))
        self._push(commands.SetFieldResolutions(context, vector, names, resolution))
        if typed:
            self.undo_stack.endMacro()
        if self.auto_advance:
            self.keys.advance()

    def show_legend(self) -> LegendDialog:
        dialog = LegendDialog(self.theme, self)
        dialog.open()
        return dialog

    def set_value(self, name: str, text: str) -> bool:
        """A typed value for the current vector's field, checked by THIS's column."""
        vector, context = self.current_vector(), self.plan_context()
        if vector is None or context is None:
            return False
        resource = context.plan.schema.resources[vector.resource]
        try:
            edit = Edited(parse_edited_value(resource, name, text))
        except EditError as exc:
            self.fields.show_problem(f"Not a valid value, nothing changed: {exc}")
            self.show_message(f"Not a valid value: {exc}")
            return False
        self._push(commands.SetFieldValue(context, vector, name, edit))
        return True

    def set_strategy(self, strategy: object) -> None:
        vector = self.current_vector()
        if vector is not None:
            self.set_strategies([vector], strategy)

    def set_default(self, resolution: Resolution | None) -> None:
        vector = self.current_vector()
        if vector is not None:
            self.set_defaults([vector], resolution)

    def set_strategies(self, vectors: list[Vector], strategy: object) -> None:
        """One strategy for every vector given (e.g. the selected ones): one undo step."""
        context = self.plan_context()
        if context is not None and vectors:
            self._push(commands.SetStrategy(context, vectors, strategy))  # type: ignore[arg-type]

    def set_defaults(self, vectors: list[Vector], resolution: Resolution | None) -> None:
        """One default resolution for every vector given: one undo step."""
        context = self.plan_context()
        if context is not None and vectors:
            self._push(commands.SetDefaultResolution(context, vectors, resolution))

    def bulk_resolution(
        self, resource: str, name: str, resolution: Resolution | None, confirm: bool = True
    ) -> int:
        """For field `name`, use `resolution` in every vector of `resource`; returns the count."""
        plan = self.plan
        if plan is None:
            return 0
        count = len(plan.vectors_for_field(resource, name))
        choice = resolution.value.upper() if resolution else "the policy's choice"
        question = (
            f"Use {choice} for field {name} in every {resource} vector?\n\n"
            f"This changes {count} vector(s). It is one step to undo."
        )
        if count == 0 or (
            confirm
            and QMessageBox.question(self, "Truce", question) != QMessageBox.StandardButton.Yes
        ):
            return 0
        context = commands.PlanContext(plan, self.plan_changed)
        self._push(commands.BulkFieldResolution(context, resource, name, resolution))
        self.show_message(f"{resource}.{name} → {choice} in {count} vector(s).")
        return count

    def apply_policy(self, spec: str) -> None:
        sources = replace(self.session.sources or Sources("", ""), policy=spec)
        if self.session.sources is not None:
            self.session.sources = sources
        plan = self.plan
        if plan is None:
            return
        try:  # with deletions added while Sync ▸ Allow deletions is on
            context = commands.PlanContext(plan, self.plan_changed)
            command = commands.ApplyPolicy(context, policy_in_force(sources))
        except Exception as exc:  # a policy's own error, shown with its message
            show_error(
                self,
                "Policy not applied",
                f"The policy {spec} cannot be used: {exc}",
                advice="Nothing was changed. Correct the policy file, or choose another policy.",
            )
            return
        self._push(command)
        self.show_message(f"Policy {spec} applied; your overrides are kept.")

    def show_history(self) -> HistoryDialog | None:
        """Sync ▸ History; a revert reloads THIS, keeping the decisions that still apply."""
        if self.session.loaded is None:
            return None
        self.history = HistoryDialog(self)
        self.history.reverted.connect(lambda _report: self.reload(keep=True))
        self.history.open()
        return self.history

    # ----- closing, drag and drop
    def confirm_discard(self) -> bool:
        """May the current decisions go? Save / Discard / Cancel, Cancel the default."""
        return not self.unsaved or confirm_discard(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.confirm_discard():
            save_layout(self)
            self.cancel_work()
            self.autosave.discard()  # nothing left to lose: saved, discarded or none
            event.accept()
        else:
            event.ignore()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.commits.runner.running:
            return  # THIS is being written: no new sources until it is done
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if len(paths) >= 2 and not is_feed(paths[0]) and self.confirm_discard():
            # A database first: it is THIS, the rest is OTHER (one file or several feeds).
            mapping = self.session.sources.mapping if self.session.sources else AUTO
            self.open_sources(Sources(paths[0], tuple(paths[1:]), mapping))
        elif paths:
            self.replace_source("OTHER", join_others(paths))
        event.acceptProposedAction()


def _with_table(work: Callable[[Progress], Loaded]) -> Callable[[Progress], object]:
    """The load, plus the vector list's arrays, built on the worker, not the UI thread."""

    def run(progress: Progress) -> tuple[Loaded, VectorTable]:
        loaded = work(progress)
        return loaded, VectorTable(loaded.plan)

    return run
