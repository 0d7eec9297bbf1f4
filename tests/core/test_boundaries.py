"""The core never imports Qt or the GUI (STYLE: the boundary is enforced by a test)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import core

REPO_ROOT = Path(__file__).resolve().parents[2]


def _core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(core.__path__, "core."))


def test_core_imports_no_qt() -> None:
    modules = _core_modules()
    assert "core.commit" in modules and "core.sources.sql" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('PySide6', 'shiboken6', 'gui', 'PyQt5', 'PyQt6'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
