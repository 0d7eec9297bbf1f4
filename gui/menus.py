"""Menus, toolbar and shortcuts of the main window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMenu, QToolBar

from core.policy import PRESETS
from gui.decisions import DecisionsActions
from gui.deletions import AllowDeletions
from gui.theme import icon

if TYPE_CHECKING:
    from gui.main_window import MainWindow

POLICY_FILE = "Policy file…"


@dataclass
class WindowActions:
    window: MainWindow
    dry_run: QAction
    commit: QAction
    undo: QAction
    redo: QAction
    policy: QComboBox
    decisions: DecisionsActions
    sources: tuple[QAction, ...] = ()  # open and reload: never while THIS is written

    def update_enabled(self) -> None:
        window = self.window
        idle = not (window.loads.running or window.commits.runner.running)
        ready = idle and window.plan is not None
        self.dry_run.setEnabled(ready)
        self.commit.setEnabled(ready and not window.session.preview_only)
        self.commit.setToolTip(
            "Preview only: commit is unavailable"
            if window.session.preview_only
            else "Commit to THIS"
        )
        self.policy.setEnabled(ready)
        self.decisions.update_enabled(ready)
        for action in self.sources:
            action.setEnabled(not window.commits.runner.running)


def _action(
    window: MainWindow,
    text: str,
    slot: object,
    shortcut: object = None,
    icon_name: str | None = None,
) -> QAction:
    action = QAction(text, window)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _=False: slot())  # type: ignore[operator]
    window.addAction(action)
    return action


def _recent_menu(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    for side in ("THIS", "OTHER"):
        for location in window.recent(side):
            menu.addAction(
                f"{side}: {location}", lambda s=side, loc=location: window.replace_source(s, loc)
            )
    if menu.isEmpty():
        menu.addAction("(none yet)").setEnabled(False)


def build_menus(window: MainWindow) -> WindowActions:
    bar = window.menuBar()
    file = bar.addMenu("&File")
    open_this = _action(
        window, "Open &THIS…", lambda: window.choose_source("THIS"), "Ctrl+Shift+O", "open"
    )
    open_other = _action(
        window,
        "Open &OTHER…",
        lambda: window.choose_source("OTHER"),
        QKeySequence.StandardKey.Open,
        "open",
    )
    file.addActions([open_this, open_other])
    recent = file.addMenu("Recent sources")
    recent.aboutToShow.connect(lambda: _recent_menu(window, recent))
    reload = _action(window, "&Reload", window.reload, QKeySequence.StandardKey.Refresh)
    reload.setStatusTip("Read both sources again; your decisions and undo history are kept")
    file.addAction(reload)
    file.addSeparator()
    decisions = DecisionsActions(window, file)
    file.addSeparator()
    file.addAction(_action(window, "&Quit", window.close, QKeySequence.StandardKey.Quit))

    edit = bar.addMenu("&Edit")
    undo = _action(window, "&Undo", window.undo, QKeySequence.StandardKey.Undo, "undo")
    redo = _action(window, "&Redo", window.redo, "Ctrl+Shift+Z", "redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    _follow_stack(window, undo, redo)
    edit.addActions([undo, redo])
    edit.addSeparator()
    edit.addAction(_action(window, "&Find…", _focus_search(window), QKeySequence.StandardKey.Find))
    edit.addAction(_action(window, "Next unresolved conflict", lambda: window.keys.step(+1), "F8"))
    edit.addAction(
        _action(window, "Previous unresolved conflict", lambda: window.keys.step(-1), "F7")
    )
    advance = _action(window, "Auto-advance after a choice", lambda: None)
    advance.setCheckable(True)
    advance.setChecked(window.auto_advance)
    advance.toggled.connect(lambda on: setattr(window, "auto_advance", on))
    edit.addAction(advance)
    differing = _action(window, "Only differing fields", lambda: None, "Ctrl+Shift+D")
    differing.setCheckable(True)
    differing.setChecked(window.keys.only_differing)
    differing.toggled.connect(window.keys.set_only_differing)
    edit.addAction(differing)

    sync = bar.addMenu("&Sync")
    dry_run = _action(window, "&Dry run", window.commits.dry_run, "Ctrl+D", "dryrun")
    commit = _action(window, "&Commit…", window.commits.commit, "Ctrl+Return", "commit")
    sync.addActions([dry_run, commit])
    sync.addSeparator()
    history = _action(window, "&History…", window.show_history, "Ctrl+H")
    history.setStatusTip("The commits journaled in THIS; revert one")
    sync.addAction(history)
    policy = _policy_combo(window)

    help_menu = bar.addMenu("&Help")
    legend = _action(window, "&Keys and legend…", window.show_legend, "F1")
    legend.setStatusTip("Every key, icon and colour of the window")
    help_menu.addAction(legend)

    tools = QToolBar("Main")
    tools.setObjectName("main_toolbar")
    tools.setMovable(False)
    tools.setIconSize(QSize(18, 18))
    tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    tools.addActions([open_this, open_other])
    tools.addSeparator()
    tools.addActions([undo, redo])
    tools.addSeparator()
    tools.addWidget(QLabel(" Policy: "))
    tools.addWidget(policy)
    window.deletions = AllowDeletions(window, sync, tools)
    tools.addSeparator()
    tools.addActions([dry_run, commit])
    window.addToolBar(tools)
    actions = WindowActions(
        window, dry_run, commit, undo, redo, policy, decisions, (open_this, open_other, reload)
    )
    actions.update_enabled()
    return actions


def _follow_stack(window: MainWindow, undo: QAction, redo: QAction) -> None:
    """Fixed menu/toolbar texts; what would be undone is in the tooltip and status tip."""
    stack = window.undo_stack
    stack.canUndoChanged.connect(undo.setEnabled)
    stack.canRedoChanged.connect(redo.setEnabled)
    stack.undoTextChanged.connect(lambda text: undo.setToolTip(f"Undo {text}" if text else "Undo"))
    stack.redoTextChanged.connect(lambda text: redo.setToolTip(f"Redo {text}" if text else "Redo"))
    undo.setEnabled(stack.canUndo())
    redo.setEnabled(stack.canRedo())


def _focus_search(window: MainWindow) -> object:
    def focus() -> None:
        window.vectors.search.setFocus()
        window.vectors.search.selectAll()

    return focus


def _policy_combo(window: MainWindow) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("policy")
    combo.setMinimumWidth(140)
    combo.addItems(["fallback", *PRESETS, POLICY_FILE])
    current = window.session.sources.policy if window.session.sources else "fallback"
    if combo.findText(current) < 0:
        combo.insertItem(combo.count() - 1, current)
    combo.setCurrentText(current)

    def chosen(position: int) -> None:
        text = combo.itemText(position)
        if text == POLICY_FILE:
            path, _ = QFileDialog.getOpenFileName(
                window, "Choose a policy", "", "Policies (*.toml *.py);;All files (*)"
            )
            if not path:
                return
            combo.insertItem(combo.count() - 1, path)
            combo.setCurrentText(path)
            text = path
        window.apply_policy(text)

    combo.activated.connect(chosen)
    return combo
