"""Build the bundled sample datasets resources/samples/local.db (THIS) and incoming.db (OTHER).

OTHER is a copy of THIS that a field instance edited. Every sync case the spec names is
exercised several times; the cases and some of their uuids are written to the README next
to the databases. Deterministic (random.Random(2024)); stdlib only, no dependency on core.

    python3 scripts/build_samples.py [OUTDIR]
"""

from __future__ import annotations

import random
import sqlite3
import sys
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_cases import SYNCED_AT, diverge  # noqa: E402
from sample_vocab import (  # noqa: E402
    COMMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    ORGANISATIONS,
    PHONE_PREFIX,
    PLACES,
    STREETS,
)

SCHEMA = """
CREATE TABLE gis_location (
    id INTEGER PRIMARY KEY, uuid VARCHAR(64) NOT NULL UNIQUE, name VARCHAR(128) NOT NULL,
    level VARCHAR(2), parent INTEGER REFERENCES gis_location(id), lat FLOAT, lon FLOAT,
    modified_on TIMESTAMP, created_on TIMESTAMP, deleted BOOLEAN NOT NULL DEFAULT 0,
    mci INTEGER);
CREATE TABLE org_organisation (
    id INTEGER PRIMARY KEY, uuid VARCHAR(64) NOT NULL UNIQUE, name VARCHAR(128) NOT NULL,
    acronym VARCHAR(16), country VARCHAR(2), website VARCHAR(255), year INTEGER,
    modified_on TIMESTAMP, created_on TIMESTAMP, deleted BOOLEAN NOT NULL DEFAULT 0,
    mci INTEGER);
CREATE TABLE pr_person (
    id INTEGER PRIMARY KEY, uuid VARCHAR(64) NOT NULL UNIQUE,
    first_name VARCHAR(64) NOT NULL, middle_name VARCHAR(64), last_name VARCHAR(64),
    gender INTEGER, date_of_birth DATE, location_id INTEGER REFERENCES gis_location(id),
    organisation_id INTEGER REFERENCES org_organisation(id), comments TEXT,
    modified_on TIMESTAMP, created_on TIMESTAMP, deleted BOOLEAN NOT NULL DEFAULT 0,
    mci INTEGER);
CREATE TABLE pr_address (
    id INTEGER PRIMARY KEY, uuid VARCHAR(64) NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES pr_person(id) ON DELETE CASCADE, type INTEGER,
    address TEXT, postcode VARCHAR(16), location_id INTEGER REFERENCES gis_location(id),
    modified_on TIMESTAMP, created_on TIMESTAMP, deleted BOOLEAN NOT NULL DEFAULT 0,
    mci INTEGER);
CREATE TABLE pr_contact (
    id INTEGER PRIMARY KEY, uuid VARCHAR(64) NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES pr_person(id) ON DELETE CASCADE,
    contact_method VARCHAR(32) NOT NULL, value VARCHAR(512) NOT NULL, priority INTEGER,
    modified_on TIMESTAMP, created_on TIMESTAMP, deleted BOOLEAN NOT NULL DEFAULT 0,
    mci INTEGER);
"""

TABLES = ["gis_location", "org_organisation", "pr_person", "pr_address", "pr_contact"]
# column -> referenced table; values are held as uuids and written as that side's local ids
REFS = {
    "gis_location": {"parent": "gis_location"},
    "pr_person": {"location_id": "gis_location", "organisation_id": "org_organisation"},
    "pr_address": {"person_id": "pr_person", "location_id": "gis_location"},
    "pr_contact": {"person_id": "pr_person"},
}
N_PERSONS = 150
FMT = "%Y-%m-%d %H:%M:%S"

Dataset = dict[str, dict[str, dict]]  # table -> canonical uuid -> row (without id)


class Builder:
    def __init__(self, seed: int = 2024) -> None:
        self.rng = random.Random(seed)
        self.base: Dataset = {t: {} for t in TABLES}
        self.country_of: dict[str, str] = {}  # location uuid -> country code
        self.town_uuids: dict[str, list[str]] = defaultdict(list)  # country -> towns
        self.district_uuid: dict[tuple[str, str], str] = {}
        self.cases: dict[str, list[str]] = {}  # case -> "table uuid" descriptions
        self.upper_uuids: set[str] = set()  # written in OTHER as bare uppercase uuids

    # -- values ---------------------------------------------------------------------
    def new_uuid(self) -> str:
        return f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def stamp(self, start: datetime, days: int) -> str:
        seconds = self.rng.randrange(days * 86400)
        return (start + timedelta(seconds=seconds)).strftime(FMT)

    def meta(self, start: datetime = datetime(2023, 6, 1), days: int = 240) -> dict:
        created = self.stamp(start, days)
        modified = datetime.strptime(created, FMT) + timedelta(
            seconds=self.rng.randrange(20 * 86400)
        )
        modified = min(modified, SYNCED_AT - timedelta(hours=1))
        return {
            "modified_on": max(modified.strftime(FMT), created),
            "created_on": created,
            "deleted": 0,
            "mci": 0,
        }

    # -- base dataset (what both sides shared at SYNCED_AT) ------------------------
    def location(
        self,
        name: str,
        level: str,
        parent: str | None,
        lat: float,
        lon: float,
        meta: dict | None = None,
    ) -> dict:
        row = {
            "uuid": self.new_uuid(),
            "name": name,
            "level": level,
            "parent": parent,
            "lat": round(lat, 4),
            "lon": round(lon, 4),
            **(meta or self.meta(datetime(2023, 1, 10), 30)),
        }
        return row

    def build_locations(self) -> None:
        for code, (country, lat, lon, districts) in PLACES.items():
            c = self.location(country, "L0", None, lat, lon)
            self.base["gis_location"][c["uuid"]] = c
            for district, (dlat, dlon, towns) in districts.items():
                d = self.location(district, "L1", c["uuid"], dlat, dlon)
                self.base["gis_location"][d["uuid"]] = d
                self.district_uuid[(code, district)] = d["uuid"]
                for town in towns:
                    jitter = self.rng.uniform(-0.15, 0.15)
                    t = self.location(town, "L2", d["uuid"], dlat + jitter, dlon - jitter)
                    self.base["gis_location"][t["uuid"]] = t
                    self.town_uuids[code].append(t["uuid"])
                    self.country_of[t["uuid"]] = code

    def build_organisations(self) -> None:
        for name, acronym, country, website, year in ORGANISATIONS:
            row = {
                "uuid": self.new_uuid(),
                "name": name,
                "acronym": acronym,
                "country": country,
                "website": website,
                "year": year,
                **self.meta(datetime(2023, 1, 10), 30),
            }
            self.base["org_organisation"][row["uuid"]] = row

    def person(self, code: str, meta: dict, location: str | None = None) -> tuple[dict, list, list]:
        rng = self.rng
        gender = rng.choice([2, 3, 2, 3, 1])
        first = rng.choice(FIRST_NAMES[code][gender if gender != 1 else rng.choice([2, 3])])
        last = rng.choice(LAST_NAMES[code])
        town = location or rng.choice(self.town_uuids[code])
        orgs = [u for u, o in self.base["org_organisation"].items() if o["country"] in (code, None)]
        person = {
            "uuid": self.new_uuid(),
            "first_name": first,
            "middle_name": rng.choice([None, None, None, rng.choice(LAST_NAMES[code])]),
            "last_name": last,
            "gender": gender,
            "date_of_birth": f"{rng.randint(1950, 2006)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}",
            "location_id": town,
            "organisation_id": rng.choice(orgs + [None]),
            "comments": rng.choice(COMMENTS),
            **meta,
        }
        pid = person["uuid"]
        addresses = [self.address(pid, code, meta) for _ in range(rng.choice([0, 1, 1, 2]))]
        contacts = [
            self.contact(pid, code, first, last, meta, i) for i in range(rng.choice([1, 2, 2, 3]))
        ]
        return person, addresses, contacts

    def address(self, person: str, code: str, meta: dict) -> dict:
        rng = self.rng
        return {
            "uuid": self.new_uuid(),
            "person_id": person,
            "type": rng.choice([1, 1, 2, 3]),
            "address": f"{rng.randint(1, 250)} {rng.choice(STREETS[code])}",
            "postcode": f"{rng.randint(10000, 99999)}" if code != "NP" else None,
            "location_id": rng.choice(self.town_uuids[code]),
            **meta,
        }

    def contact(self, person: str, code: str, first: str, last: str, meta: dict, i: int) -> dict:
        rng = self.rng
        method = ["SMS", "EMAIL", "HOME_PHONE"][i]
        if method == "EMAIL":
            value = f"{first}.{last}@example.org".lower()
        else:
            value = f"{PHONE_PREFIX[code]} {rng.randint(1000000, 9999999)}"
        return {
            "uuid": self.new_uuid(),
            "person_id": person,
            "contact_method": method,
            "value": value,
            "priority": i + 1,
            **meta,
        }

    def add_person(self, ds: Dataset, code: str, meta: dict, location: str | None = None) -> str:
        person, addresses, contacts = self.person(code, meta, location)
        ds["pr_person"][person["uuid"]] = person
        for row in addresses:
            ds["pr_address"][row["uuid"]] = row
        for row in contacts:
            ds["pr_contact"][row["uuid"]] = row
        return person["uuid"]

    def build_base(self) -> None:
        self.build_locations()
        self.build_organisations()
        for _ in range(N_PERSONS):
            self.add_person(self.base, self.rng.choice(list(PLACES)), self.meta())

    # -- the two sides ----------------------------------------------------------------
    def note(self, case: str, table: str, uid: str) -> None:
        self.cases.setdefault(case, []).append(f"{table} {uid}")

    def later(self, days: int = 25, start: datetime = SYNCED_AT) -> str:
        return self.stamp(start + timedelta(days=1), days)

    def components(self, ds: Dataset, table: str, person: str) -> list[dict]:
        return [r for r in ds[table].values() if r["person_id"] == person]

    # -- output --------------------------------------------------------------------------
    def write(self, ds: Dataset, path: Path, shuffle: bool) -> None:
        path.unlink(missing_ok=True)
        ids: dict[str, dict[str, int]] = {}
        orders: dict[str, list[str]] = {}
        for table in TABLES:
            order = list(ds[table])
            if shuffle:  # ids are local: the same uuid gets another id in OTHER
                self.rng.shuffle(order)
            orders[table] = order
            offset = 100 if shuffle and table == "pr_person" else 0
            ids[table] = {u: i + 1 + offset for i, u in enumerate(order)}
        conn = sqlite3.connect(path)
        conn.executescript(SCHEMA)
        for table in TABLES:
            for uid in orders[table]:
                row = dict(ds[table][uid])
                for column, target in REFS.get(table, {}).items():
                    row[column] = ids[target][row[column]] if row[column] else None
                if shuffle and uid in self.upper_uuids:
                    row["uuid"] = uid.removeprefix("urn:uuid:").upper()
                columns = ["id", *row]
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    [ids[table][uid], *row.values()],
                )
        conn.commit()
        conn.execute("VACUUM")
        conn.close()

    def readme(self, this: Dataset, other: Dataset) -> str:
        lines = [
            "# Sample datasets",
            "",
            "Generated by `scripts/build_samples.py` (`make samples`); do not edit by hand.",
            "",
            "- `local.db` is THIS (the local database, the commit target).",
            "- `incoming.db` is OTHER: a copy of THIS taken on "
            f"{SYNCED_AT:%Y-%m-%d} that a field instance then edited.",
            "",
            "Ids are local: OTHER's rows were inserted in another order (persons also with an",
            "offset), so only the uuid identifies a record across the two files.",
            "",
            "| table | THIS rows | OTHER rows |",
            "|---|---|---|",
        ]
        lines += [f"| {t} | {len(this[t])} | {len(other[t])} |" for t in TABLES]
        lines += ["", "## Cases (a few uuids each, canonical form)", ""]
        for case, items in self.cases.items():
            lines.append(f"- **{case}** ({len(items)}):")
            lines += [f"  - `{item}`" for item in items[:3]]
        return "\n".join(lines) + "\n"


def unchanged_share(this: Dataset, other: Dataset) -> float:
    total = sum(len(other[t]) for t in TABLES)
    same = sum(1 for t in TABLES for u, r in other[t].items() if this[t].get(u) == r)
    return same / total


def main(argv: list[str]) -> int:
    out = (
        Path(argv[1])
        if len(argv) > 1
        else Path(__file__).resolve().parent.parent / ("resources/samples")
    )
    out.mkdir(parents=True, exist_ok=True)
    builder = Builder()
    builder.build_base()
    this, other = diverge(builder)
    builder.write(this, out / "local.db", shuffle=False)
    builder.write(other, out / "incoming.db", shuffle=True)
    (out / "README.md").write_text(builder.readme(this, other), encoding="utf-8")
    for table in TABLES:
        print(f"{table:18} THIS {len(this[table]):4}  OTHER {len(other[table]):4}")
    print(f"identical records: {unchanged_share(this, other):.0%} of OTHER")
    for case, items in builder.cases.items():
        print(f"{len(items):3}  {case}")
    print(f"wrote {out / 'local.db'}, {out / 'incoming.db'}, {out / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
