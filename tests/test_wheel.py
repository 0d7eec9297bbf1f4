"""Truce installed from its built wheel (not the checkout) starts, has its icons and opens
the bundled samples.

Not marked slow or skipped: CI runs it. The wheel is built without build isolation (the
test extras bring `wheel`), and installed with `pip --target` into a fresh folder that is
the only place `core`, `gui` and `resources` can come from: the commands run outside the
checkout, and the test checks where the modules were loaded from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_NOT_SHIPPED = (".git", ".venv", ".pg", "build", "dist", "*.egg-info", "__pycache__", "tests")
_NOT_SHIPPED += (".pytest_cache", ".hypothesis", ".ruff_cache", "benchmarks", "tmp")

_CHECK = """
import sys
from PySide6.QtWidgets import QApplication
import core, gui, resources
from core.session import SAMPLE_OTHER, SAMPLE_THIS
from gui.theme import icon
app = QApplication([])
assert not icon("commit").isNull(), "no icon"
for module in (core, gui, resources):
    print(module.__file__)
print(SAMPLE_THIS)
print(SAMPLE_OTHER)
"""


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    work = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["QT_QPA_PLATFORM"] = "offscreen"
    pip = [sys.executable, "-m", "pip"]
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SHIPPED))
    run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", "dist"], work, env)
    wheels = list((work / "dist").glob("truce-*.whl"))
    assert len(wheels) == 1
    run([*pip, "install", "--no-deps", "--target", "site", str(wheels[0])], work, env)
    env["PYTHONPATH"] = str(work / "site")
    return work, env


def test_the_installed_wheel_starts_with_icons_and_samples(installed):
    work, env = installed
    lines = run([sys.executable, "-c", _CHECK], work, env).splitlines()
    site = work / "site"
    assert all(Path(line).is_relative_to(site) for line in lines), lines
    assert Path(lines[-2]).is_file() and Path(lines[-1]).is_file()


def test_truce_preview_runs_on_the_bundled_samples(installed):
    work, env = installed
    lines = run([sys.executable, "-c", _CHECK], work, env).splitlines()
    this, other = lines[-2], lines[-1]
    script = work / "site" / "bin" / "truce"
    assert script.is_file()
    out = run([sys.executable, str(script), "preview", this, other], work, env)
    assert "create" in out
