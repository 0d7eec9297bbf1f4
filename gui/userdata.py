"""The user's data directory: autosaved decisions, the working copy of the samples, logs.

`QStandardPaths.AppDataLocation` (e.g. ~/.local/share/Truce/Truce), or the folder named
by `TRUCE_DATA_DIR`, which tests and portable installs use.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

DATA_DIR_VARIABLE = "TRUCE_DATA_DIR"


def data_dir() -> Path:
    chosen = os.environ.get(DATA_DIR_VARIABLE)
    if not chosen:
        location = QStandardPaths.StandardLocation.AppDataLocation
        chosen = QStandardPaths.writableLocation(location) or str(Path.home() / ".truce")
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
