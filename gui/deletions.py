"""Sync ▸ Allow deletions: DELETE added to the strategy of the policy in force, in one
toggle (the CLI's `--allow-delete`; docs/eden.md), and the hint when deletions are skipped.

Toggling re-applies the policy under the operator's overrides as one undo step, like the
policy chooser; undo also puts the toggle back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QToolBar

from core.policy import Policy
from gui.commands import ApplyPolicy, PlanContext
from gui.session import policy_in_force

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class ToggleDeletions(ApplyPolicy):
    """The policy in force re-applied with or without deletions; `shown` follows undo."""

    def __init__(
        self, context: PlanContext, policy: Policy, on: bool, shown: Callable[[bool], None]
    ) -> None:
        super().__init__(context, policy)
        self.setText("allow deletions" if on else "disallow deletions")
        self.on, self.shown = on, shown

    def redo(self) -> None:
        super().redo()
        self.shown(self.on)

    def undo(self) -> None:
        super().undo()
        self.shown(not self.on)


class AllowDeletions(QObject):
    """The checkable action (Sync menu and toolbar) and the skipped-deletions hint."""

    def __init__(self, window: MainWindow, menu: QMenu, tools: QToolBar) -> None:
        super().__init__(window)
        self.window = window
        self.action = QAction("Allow &deletions", window)
        self.action.setObjectName("allow_deletions")
        self.action.setCheckable(True)
        self.action.setStatusTip(
            "Add delete to the strategy of the policy in force (one step to undo)"
        )
        self.action.toggled.connect(self._toggled)
        menu.addSeparator()
        menu.addAction(self.action)
        tools.addAction(self.action)
        self.hint = QLabel()
        self.hint.setObjectName("skipped_deletions")
        self.hint.setVisible(False)
        window.statusBar().addPermanentWidget(self.hint)
        window.loads.finished.connect(lambda _loaded: self.refresh())
        window.undo_stack.indexChanged.connect(lambda _index: self.refresh())

    def _toggled(self, on: bool) -> None:
        window, sources = self.window, self.window.session.sources
        if sources is None or sources.allow_deletions == on:
            return
        plan = window.settled_plan()  # the policy is tried on the plan as it will be
        if plan is None:  # nothing loaded yet: the next load uses it
            self.show(on)
            return
        if window.commits.runner.running:  # the plan is being written: no edits
            self.action.setChecked(not on)
            return
        policy = policy_in_force(replace(sources, allow_deletions=on))
        context = window.plan_context()
        assert context is not None
        window.undo_stack.push(ToggleDeletions(context, policy, on, self.show))

    def show(self, on: bool) -> None:
        """Record and show the toggle's state (from a toggle, an undo or a redo)."""
        sources = self.window.session.sources
        if sources is not None:
            self.window.session.sources = replace(sources, allow_deletions=on)
        blocked = self.action.blockSignals(True)
        self.action.setChecked(on)
        self.action.blockSignals(blocked)
        self.refresh()

    def refresh(self) -> None:
        # From the list's arrays (kept current by every change set): no pass over the plan.
        table = self.window.vectors.model.table
        count = table.skipped_deletion_count() if table is not None else 0
        self.hint.setVisible(count > 0)
        self.hint.setText(f"{count} deletion(s) skipped")
        self.hint.setToolTip(
            f"{count} deletion(s) OTHER asks for are skipped: the strategy does not allow "
            "delete. Sync ▸ Allow deletions adds it to the policy in force."
        )
