"""Entry point, exception hook and background tasks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool

from core.progress import Cancelled, Progress
from gui import errors
from gui.app import build_parser, create_window
from gui.tasks import TaskRunner


def test_no_arguments_open_the_sample_pair_with_a_note(qtbot):
    window = create_window(build_parser().parse_args([]))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.plan is not None, timeout=30_000)
    assert window.session.sources.is_sample
    assert window.banner.isVisibleTo(window) and "Sample data" in window.banner.text()
    assert window.actions_.commit.isEnabled()


def test_gui_arguments_are_parsed():
    args = build_parser().parse_args(
        ["a.db", "b.xml", "--preview-only", "--policy", "replace", "--mapping", "eden"]
    )
    assert (args.this, args.other, args.preview_only, args.policy, args.mapping) == (
        "a.db",
        ["b.xml"],
        True,
        "replace",
        "eden",
    )


def test_exception_hook_reports_and_logs(tmp_path: Path, monkeypatch):
    reported: list[tuple[str, str]] = []
    log = errors.setup_logging(tmp_path / "gui.log")
    previous = errors.install_exception_hook(lambda m, d: reported.append((m, d)))
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = previous
    assert reported and "RuntimeError: boom" in reported[0][0]
    assert "Traceback" in reported[0][1]
    assert "boom" in log.read_text()


def test_runner_reports_results_and_failures(qtbot):
    runner = TaskRunner()
    with qtbot.waitSignal(runner.finished) as done:
        runner.start(lambda progress: 42)
    assert done.args == [42]
    with qtbot.waitSignal(runner.failed) as failed:
        runner.start(lambda progress: 1 / 0)
    assert isinstance(failed.args[0], ZeroDivisionError) and "Traceback" in failed.args[1]


def test_runner_cancels_and_drops_stale_results(qtbot):
    runner = TaskRunner()
    results: list[object] = []
    runner.finished.connect(results.append)

    def slow(progress: Progress) -> str:
        progress.set_total(10**9, "spinning")
        while True:
            progress.advance()

    with qtbot.waitSignal(runner.finished):
        runner.start(slow)
        runner.start(lambda progress: "second")
    assert results == ["second"]
    with qtbot.waitSignal(runner.cancelled):
        runner.start(slow)
        runner.cancel()
    assert not runner.running
    QThreadPool.globalInstance().waitForDone()
    with pytest.raises(Cancelled):
        p = Progress()
        p.cancel()
        p.advance()


def test_launcher_sends_headless_commands_to_the_core_cli(capsys):
    from gui.launcher import main, wants_window

    assert wants_window([]) and wants_window(["gui", "a.db", "b.db"])
    assert wants_window(["--preview-only"])
    assert not wants_window(["preview", "a.db", "b.db"])
    assert main(["preview", "no-such-this.db", "no-such-other.db"]) == 2
    assert "no-such-this.db" in capsys.readouterr().err
