"""The bundled sample datasets: present, current with their generator, and shaped as documented."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLES = {"gis_location", "org_organisation", "pr_person", "pr_address", "pr_contact"}


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def _tables(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select name, sql from sqlite_master where type = 'table'")
        return dict(rows.fetchall())


def test_samples_share_one_schema(sample_paths: dict[str, Path]) -> None:
    local, incoming = _tables(sample_paths["local"]), _tables(sample_paths["incoming"])
    assert local == incoming
    assert set(local) == TABLES


def test_samples_are_current_with_their_generator(
    sample_paths: dict[str, Path], tmp_path: Path
) -> None:
    script = REPO_ROOT / "scripts" / "build_samples.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for side, path in sample_paths.items():
        assert _dump(tmp_path / path.name) == _dump(path), f"{side}: run `make samples`"
    readme = (REPO_ROOT / "resources" / "samples" / "README.md").read_text(encoding="utf-8")
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == readme


def test_ids_are_local_and_uuids_vary_in_form(sample_paths: dict[str, Path]) -> None:
    with sqlite3.connect(sample_paths["local"]) as conn:
        conn.execute("attach ? as other", (str(sample_paths["incoming"]),))
        shared, same_id = conn.execute(
            "select count(*), coalesce(sum(p.id = o.id), 0)"
            " from pr_person p join other.pr_person o using (uuid)"
        ).fetchone()
        bare = conn.execute(
            "select count(*) from other.pr_person where uuid not like 'urn:uuid:%'"
        ).fetchone()[0]
    assert shared > 100
    assert same_id < shared / 10
    assert bare >= 1


def test_error_records_are_present(sample_paths: dict[str, Path]) -> None:
    with sqlite3.connect(sample_paths["incoming"]) as conn:
        assert conn.execute(
            "select count(*) from gis_location where modified_on = 'last tuesday'"
        ).fetchone() == (1,)
        assert conn.execute(
            "select count(*) from pr_person where typeof(gender) = 'text'"
        ).fetchone() == (1,)
        assert conn.execute(
            "select count(*) from pr_person where modified_on = '2024-13-45 99:00:00'"
        ).fetchone() == (1,)
