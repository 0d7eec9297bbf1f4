"""The resolver window: vector list on the left, field grid on the right.

The window wires widgets to the session. What it does is split by responsibility:
opening sources and taking a plan in (gui/window_sources.py), turning the panels'
requests into undo commands over the core plan (gui/window_decisions.py); the layout,
the status bar, selection, closing and drag and drop are here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.plan import Plan
from core.vectors import Vector
from gui.autosave import Autosave
from gui.banner import Banner
from gui.commit_flow import CommitFlow
from gui.field_panel import FieldPanel
from gui.first_run import FirstRunHint
from gui.history import HistoryDialog
from gui.keyboard import KeyboardLoop
from gui.layout_memory import restore_layout, save_layout
from gui.legend import LegendDialog
from gui.menus import build_menus
from gui.other_files import is_feed, join_others, others_name
from gui.plan_steps import PlanSteps
from gui.prompts import confirm_discard
from gui.session import AUTO, Session, Sources
from gui.tasks import Jobs, TaskRunner, database_worker
from gui.theme import Theme
from gui.vector_model import Filter
from gui.vector_panel import VectorPanel
from gui.window_decisions import DecisionsMixin
from gui.window_sources import SourcesMixin


class MainWindow(SourcesMixin, DecisionsMixin, QMainWindow):
    def __init__(self, session: Session, theme: Theme, settings: QSettings | None = None) -> None:
        super().__init__()
        self.session = session
        self.theme = theme
        self.settings = settings or QSettings("Truce", "Truce")
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.auto_advance = True
        self.plan_steps = PlanSteps(self)  # bulk changes in event-loop slices
        self.autosave = Autosave(self.settled_plan, self)
        self.undo_stack.indexChanged.connect(lambda _: self.autosave.schedule())
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

    def settled_plan(self) -> Plan | None:
        """The plan with every queued decision applied: for what reads it whole (saving,
        autosaving, committing, carrying decisions over a reload)."""
        self.plan_steps.finish()
        return self.plan

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

    # ----- dialogs
    def show_legend(self) -> LegendDialog:
        dialog = LegendDialog(self.theme, self)
        dialog.open()
        return dialog

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
