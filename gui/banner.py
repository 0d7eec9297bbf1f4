"""The band above the lists: what the operator must know before deciding anything.

Sample data, a preview-only session, a THIS that cannot be written, a mapping chosen by
detection, a pair that matched nothing, and the plan's warnings (a count, with the full
list one click away).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout

if TYPE_CHECKING:
    from gui.session import Loaded, Sources


class Banner(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        self.setStyleSheet(
            "QFrame#banner { background: palette(alternate-base); "
            "border: 1px solid palette(mid); border-radius: 4px; }"
        )
        self.label = QLabel()
        self.label.setObjectName("banner_text")
        self.label.setWordWrap(True)
        self.toggle = QPushButton("Details")
        self.toggle.setObjectName("banner_details")
        self.toggle.setCheckable(True)
        self.toggle.setAutoDefault(False)
        self.details = QListWidget()
        self.details.setObjectName("banner_warnings")
        self.details.setMaximumHeight(140)
        self.details.setVisible(False)
        self.toggle.toggled.connect(self.details.setVisible)
        row = QHBoxLayout()
        row.addWidget(self.label, 1)
        row.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(row)
        layout.addWidget(self.details)
        self.setVisible(False)

    def show_notes(self, notes: list[str], warnings: list[str]) -> None:
        """`notes` are short rich-text sentences; `warnings` go into the details list."""
        if warnings:
            notes = [*notes, f"<b>{len(warnings)} warning(s)</b> from reading the sources."]
        self.label.setText(" &nbsp; ".join(notes))
        self.details.clear()
        self.details.addItems(warnings)
        self.toggle.setVisible(bool(warnings))
        if not warnings:
            self.toggle.setChecked(False)
        self.setVisible(bool(notes))

    def text(self) -> str:
        return self.label.text()


def banner_notes(sources: Sources | None, loaded: Loaded | None, preview_only: bool) -> list[str]:
    notes = []
    if sources is not None and sources.is_sample:
        notes.append(
            "<b>Sample data.</b> You are working on a copy of the bundled sample "
            f"(<code>{escape(sources.this)}</code>): commits go there, never into the "
            "installed samples. Use File ▸ Open THIS / Open OTHER for your own data."
        )
    if preview_only:
        notes.append("<b>Preview only.</b> This session is read-only: commit is unavailable.")
    if loaded is None:
        return notes
    if not loaded.writability.writable:
        notes.append(
            f"<b>{escape(loaded.writability.sentence)}.</b> A commit will fail; "
            "the dry run (Ctrl+D) says why."
        )
    if loaded.detected:
        notes.append(
            "<b>Eden mapping in use.</b> THIS looks like a Sahana Eden database "
            "(pr_pentity, CHAR(1) deleted), so it was opened with the Eden mapping."
        )
    nothing = nothing_matched(loaded)
    if nothing:
        notes.append(nothing)
    return notes


def nothing_matched(loaded: Loaded) -> str:
    """Why a pair produced no vector at all: the resource names OTHER and THIS use."""
    plan = loaded.plan
    if plan.vectors or plan.unchanged:
        return ""
    this_names = sorted(plan.schema.resources)
    other_schema = getattr(loaded.pair.other, "schema", None)
    other_names = sorted(other_schema.resources) if other_schema is not None else []
    shown_other = ", ".join(other_names[:8]) or "none THIS knows"
    return (
        "<b>Nothing matched.</b> No record of OTHER belongs to a resource of THIS: "
        f"OTHER has <code>{escape(shown_other)}</code>, THIS has "
        f"<code>{escape(', '.join(this_names[:8]))}</code>. Check the schema mapping "
        "(File ▸ Open THIS…) or the files."
    )
