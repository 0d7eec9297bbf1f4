"""A one-line hint for a person's first session, until they dismiss it (remembered)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

DISMISSED_KEY = "hints/first_run_dismissed"
TEXT = (
    "<b>New here?</b> &nbsp;<b>F8</b> goes to the next unresolved conflict, "
    "<b>T</b> / <b>O</b> / <b>N</b> keep THIS, take OTHER or the NEWER side, "
    "<b>F2</b> types a value of your own, <b>Ctrl+D</b> dry-runs. "
    "<b>F1</b> shows every key, icon and colour."
)


class FirstRunHint(QFrame):
    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.setObjectName("first_run_hint")
        self._settings = settings
        label = QLabel(TEXT)
        label.setWordWrap(True)
        self.dismiss = QPushButton("Got it")
        self.dismiss.setObjectName("first_run_dismiss")
        self.dismiss.setToolTip("Hide this hint for good (F1 still shows the keys)")
        self.dismiss.setAutoDefault(False)
        self.dismiss.clicked.connect(self._dismissed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(label, 1)
        layout.addWidget(self.dismiss)
        # Strings, not bools: QSettings' INI backend gives "true"/"false" back as text.
        self.setVisible(str(settings.value(DISMISSED_KEY, "false")).lower() != "true")

    def _dismissed(self) -> None:
        self._settings.setValue(DISMISSED_KEY, "true")
        self._settings.sync()
        self.setVisible(False)
