"""Write resources/samples/incoming.xml and incoming.json: the OTHER sample as exchange files.

They are exports of incoming.db by Truce's own exporter (with its broken records kept as
the raw text the database holds), so previewing local.db against either file gives the
same plan as against incoming.db.  Usage: python scripts/build_exchange_samples.py [DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from core.export import export  # noqa: E402
from core.sources.sql import SqlDataset  # noqa: E402

SAMPLES = REPO_ROOT / "resources" / "samples"


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else SAMPLES
    out.mkdir(parents=True, exist_ok=True)
    dataset = SqlDataset(SAMPLES / "incoming.db", readonly=True)
    try:
        for fmt, name in (("s3xml", "incoming.xml"), ("s3json", "incoming.json")):
            result = export(dataset, out / name, fmt)
            print(f"{out / name}: {result.count} records, muntil {result.muntil}")
    finally:
        dataset.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
