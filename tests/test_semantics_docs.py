"""The project's rules live in docs/semantics.md: no pointer to a document outside the repo."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Built from parts so this file does not match itself.
FORBIDDEN = "SPEC " + "\u00a7"


def _tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--", *patterns],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [REPO_ROOT / name for name in listed]


def test_no_reference_to_the_outside_spec() -> None:
    files = _tracked("*.py", "*.md", "*.toml")
    assert files, "git ls-files found nothing to check"
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in files
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN in line
    ]
    assert offenders == []


def test_pointers_name_sections_that_exist() -> None:
    headings = {
        match.group(1).strip()
        for match in re.finditer(
            r"^## (.+)$", (REPO_ROOT / "docs" / "semantics.md").read_text(), re.MULTILINE
        )
    }
    missing = set()
    for path in _tracked("*.py", "*.md", "*.toml"):
        text = re.sub(r"\s*\n\s*(#\s*)?", " ", path.read_text(encoding="utf-8"))
        for match in re.finditer(r"docs/semantics\.md, (.{0,40})", text):
            if not any(match.group(1).startswith(heading) for heading in headings):
                missing.add(f"{path.relative_to(REPO_ROOT)}: {match.group(1)}")
    assert sorted(missing) == []
