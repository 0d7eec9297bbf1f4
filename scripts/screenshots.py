"""Render docs/screenshots/*.png (main, conflict, edited, compare, selection, dryrun, confirm,
history) from the sample pair.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--dark] [--out DIR]

Offscreen, on a temporary copy of the sample THIS (as sample mode always works), so the
installed samples are never written; it commits to that copy to show the history.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import (  # noqa: E402
    QEventLoop,
    QItemSelection,
    QItemSelectionModel,
    QSettings,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QMenu, QWidget  # noqa: E402

from core.vocabulary import Resolution  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.session import Session, sample_sources  # noqa: E402
from gui.theme import Theme, apply_theme, dark_palette  # noqa: E402
from gui.userdata import DATA_DIR_VARIABLE  # noqa: E402
from gui.vector_model import Filter  # noqa: E402

CONFLICT = ("pr_person", "urn:uuid:0c004d1e-ebef-4390-af74-2d156f141369")


def wait_for(signal: object, timeout_ms: int = 60_000) -> list[object]:
    loop = QEventLoop()
    got: list[object] = []
    signal.connect(lambda *args: (got.extend(args), loop.quit()))  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return got


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def save(widget: QWidget, path: Path, overlay: QWidget | None = None) -> None:
    settle()
    picture = widget.grab()
    if overlay is not None:
        painter = QPainter(picture)
        shot = overlay.grab()
        x = (picture.width() - shot.width()) // 2
        y = (picture.height() - shot.height()) // 2
        painter.fillRect(picture.rect(), _shade())
        painter.drawPixmap(x, y, shot)
        painter.end()
    picture.save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _shade() -> QColor:  # a translucent veil behind the dialog, as a window manager shows
    return QColor(0, 0, 0, 70)


def save_selection(window: MainWindow, path: Path) -> None:
    """The list sorted by label (descending), several vectors selected, and the menu
    that applies one choice to all of them."""
    panel = window.vectors
    panel.select_filter(Filter.CREATES)
    panel.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    model = panel.model
    last = model.columnCount() - 1
    panel.view.selectionModel().select(
        QItemSelection(model.index(2, 0), model.index(5, last)),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )
    panel.view.scrollToTop()
    window.activateWindow()
    panel.view.setFocus()
    menu = QMenu(window)
    menu.addActions(panel.choice_actions[:4])
    menu.addSeparator()
    menu.addActions(panel.choice_actions[4:])
    menu.adjustSize()
    save(window, path, overlay=menu)
    panel.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    theme = apply_theme(app)
    if args.dark:
        app.setPalette(dark_palette())
        theme = Theme.build(dark=True)
    with tempfile.TemporaryDirectory() as tmp:
        # The sample session works on a copy in the data directory: point it at tmp.
        os.environ[DATA_DIR_VARIABLE] = str(Path(tmp) / "data")
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Session(), theme, settings)
        window.resize(1280, 800)
        window.show()
        window.open_sources(sample_sources())
        wait_for(window.loads.finished)
        save(window, args.out / "main.png")

        window.auto_advance = False  # keep the cursor on the fields being shown
        window.vectors.select_filter(Filter.CONFLICTS)
        window.go_to(CONFLICT)
        window.fields.select_field("last_name")
        window.set_resolution(["last_name"], Resolution.OTHER)
        window.fields.select_field("comments")
        window.set_resolution(["comments"], Resolution.NEWER)
        window.fields.select_field("date_of_birth")
        window.fields.view.setFocus()
        save(window, args.out / "conflict.png")

        window.fields.select_field("middle_name")
        window.set_value("middle_name", "Amani")
        window.fields.select_field("middle_name")
        save(window, args.out / "edited.png")
        compare = window.fields.open_compare(window.fields.view.currentIndex().row())
        window.fields.select_field("last_name")
        compare.close()
        row = next(
            r
            for r in range(window.fields.model.rowCount())
            if window.fields.model.name(r) == "last_name"
        )
        compare = window.fields.open_compare(row)
        settle()
        save(window, args.out / "compare.png", overlay=compare)
        compare.close()

        save_selection(window, args.out / "selection.png")

        window.commits.dry_run()
        wait_for(window.commits.dry_run_done)
        shoot_dialog(window, args.out / "dryrun.png")

        window.commits.dialog = None
        window.commits.commit()
        until(lambda: hasattr(window.commits.dialog, "commit_button"))
        dialog = window.commits.dialog
        save(window, args.out / "confirm.png", overlay=dialog)
        dialog.accept()
        wait_for(window.loads.finished)
        window.commits.dialog.close()

        history = window.show_history()
        until(lambda: bool(history.entries))
        history.table.selectRow(0)
        shoot_dialog(window, args.out / "history.png")
        window.undo_stack.setClean()
        window.close()
    return 0


def shoot_dialog(window: MainWindow, path: Path) -> None:
    dialog = window.history if path.stem == "history" else window.commits.dialog
    assert dialog is not None
    save(window, path, overlay=dialog)
    dialog.close()


def until(condition: object, timeout_ms: int = 60_000) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: loop.quit() if condition() else None)  # type: ignore[operator]
    timer.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    timer.stop()


if __name__ == "__main__":
    sys.exit(main())
