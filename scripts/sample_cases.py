"""The edits that turn the shared base into THIS and OTHER: one block per sync case."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sample_vocab import BROKEN_TOWN, NEW_TOWNS, PLACES

if TYPE_CHECKING:
    from build_samples import Builder, Dataset

SYNCED_AT = datetime(2024, 4, 1)  # when OTHER was copied from THIS
COMPONENTS = ("pr_address", "pr_contact")


def diverge(self: Builder) -> tuple[Dataset, Dataset]:
    this, other = copy.deepcopy(self.base), copy.deepcopy(self.base)
    pool = list(self.base["pr_person"])
    self.rng.shuffle(pool)
    take = iter(pool)

    def pick() -> str:
        return next(take)

    def edit(ds: Dataset, uid: str, when: str | None, **values) -> dict:
        row = ds["pr_person"][uid]
        row.update(values, modified_on=when)
        return row

    for _ in range(20):
        code = self.rng.choice(list(PLACES))
        uid = self.add_person(other, code, {**self.meta(SYNCED_AT, 25), "mci": 0})
        self.note("created only in OTHER (with components)", "pr_person", uid)
    for i in range(40):
        uid = pick()
        edit(
            other,
            uid,
            self.later(),
            comments="Updated in the field: moved to camp B",
            middle_name=self.rng.choice(["Devi", "Kumar", "Wambui", None]),
        )
        if i % 2:
            self.note("edited in OTHER only (OTHER newer)", "pr_person", uid)
            continue
        for table in COMPONENTS:  # the field visit also refreshed its components
            column = "priority" if table == "pr_contact" else "type"
            for row in self.components(other, table, uid):
                row.update({column: 9, "modified_on": self.later()})
        self.note("edited in OTHER with all its components (OTHER newer)", "pr_person", uid)
    for newer in ("OTHER", "THIS"):
        for _ in range(6):
            uid = pick()
            t_this, t_other = sorted([self.later(), self.later()])
            if newer == "THIS":
                t_this, t_other = t_other, t_this
            if t_this == t_other:
                t_this = self.later(start=datetime(2024, 5, 1))
            edit(this, uid, t_this, comments="Verified by HQ", last_name="Perera-Silva")
            edit(other, uid, t_other, comments="Verified in the field", date_of_birth="1980-02-29")
            self.note(f"edited in both, {newer} newer (conflict on comments)", "pr_person", uid)
    for _ in range(4):
        uid = pick()
        when = self.later()
        edit(this, uid, when, comments="Tie: HQ note")
        edit(other, uid, when, comments="Tie: field note")
        self.note("NEWER tie (same modified_on, different values)", "pr_person", uid)
    for side, ds in (("OTHER", other), ("THIS", this)):
        for _ in range(3):
            uid = pick()
            edit(ds, uid, None, comments=f"Undated edit on {side}")
            self.note(f"undated on {side} only (modified_on NULL)", "pr_person", uid)
    for _ in range(3):
        uid = pick()
        edit(this, uid, None, comments="Undated edit on THIS")
        edit(other, uid, None, comments="Undated edit on OTHER")
        self.note("undated on both sides, different values", "pr_person", uid)
    for _ in range(4):
        uid = pick()
        edit(other, uid, self.later(), deleted=1)
        self.note("deleted in OTHER (person)", "pr_person", uid)
    deleted_contacts = 0
    while deleted_contacts < 3:
        uid = pick()
        rows = self.components(other, "pr_contact", uid)
        if rows:
            rows[0].update(deleted=1, modified_on=self.later())
            self.note(
                "deleted in OTHER (contact under unchanged person)", "pr_contact", rows[0]["uuid"]
            )
            deleted_contacts += 1
    for newer in ("OTHER", "THIS", "OTHER", "THIS"):
        uid = pick()
        t_del, t_edit = sorted([self.later(), self.later()])
        if newer == "THIS":
            t_del, t_edit = t_edit, t_del
        edit(this, uid, t_del, deleted=1)
        edit(other, uid, t_edit, comments="Still active: seen at distribution")
        self.note(f"deleted in THIS, edited in OTHER ({newer} newer)", "pr_person", uid)
    changed = 0
    while changed < 24:
        uid = pick()
        addresses = self.components(other, "pr_address", uid)
        contacts = self.components(other, "pr_contact", uid)
        if changed % 2 == 0 and addresses:
            addresses[0].update(
                postcode="00100", address="Relocated: transit centre", modified_on=self.later()
            )
            self.note(
                "changed component (address) under unchanged master",
                "pr_address",
                addresses[0]["uuid"],
            )
        elif changed % 2 == 1 and contacts:
            contacts[0].update(value=f"{contacts[0]['value']} ext. 12", modified_on=self.later())
            self.note(
                "changed component (contact) under unchanged master",
                "pr_contact",
                contacts[0]["uuid"],
            )
        else:
            continue
        changed += 1
    for _ in range(8):
        uid = pick()
        person = other["pr_person"][uid]
        code = self.country_of.get(person["location_id"], "LK")
        row = self.contact(
            uid, code, person["first_name"], person["last_name"], self.meta(SYNCED_AT, 25), 2
        )
        row["contact_method"], row["priority"] = "WORK_PHONE", 4
        other["pr_contact"][row["uuid"]] = row
        self.note("new component (contact) under existing master", "pr_contact", row["uuid"])
    new_locations(self, other, pick)
    error_records(self, other, pick)
    for _ in range(3):
        uid = self.add_person(this, self.rng.choice(list(PLACES)), self.meta(SYNCED_AT, 25))
        self.note("local only (in THIS, not in OTHER)", "pr_person", uid)
    local_org = {
        "uuid": self.new_uuid(),
        "name": "Disaster Management Centre",
        "acronym": "DMC",
        "country": "LK",
        "website": "https://www.dmc.gov.lk",
        "year": 2005,
        **self.meta(SYNCED_AT, 10),
    }
    this["org_organisation"][local_org["uuid"]] = local_org
    self.note("local only (in THIS, not in OTHER)", "org_organisation", local_org["uuid"])
    uppercase(self, other, this)
    return this, other


def new_locations(self: Builder, other: Dataset, pick: Callable[[], str]) -> None:
    for code, district, town in NEW_TOWNS:
        parent = self.base["gis_location"][self.district_uuid[(code, district)]]
        row = self.location(
            town,
            "L2",
            parent["uuid"],
            parent["lat"] + 0.05,
            parent["lon"] + 0.05,
            {**self.meta(SYNCED_AT, 10)},
        )
        other["gis_location"][row["uuid"]] = row
        self.note("new location only in OTHER (parent in both)", "gis_location", row["uuid"])
        uid = self.add_person(other, code, self.meta(SYNCED_AT, 25), location=row["uuid"])
        self.note("new person referencing an OTHER-only location", "pr_person", uid)
        uid = pick()
        other["pr_person"][uid].update(location_id=row["uuid"], modified_on=self.later())
        self.note("existing person moved to an OTHER-only location", "pr_person", uid)
    code, district, town = BROKEN_TOWN
    parent = self.base["gis_location"][self.district_uuid[(code, district)]]
    broken = self.location(
        town,
        "L2",
        parent["uuid"],
        3.70,
        34.87,
        {**self.meta(SYNCED_AT, 10), "modified_on": "last tuesday"},
    )
    other["gis_location"][broken["uuid"]] = broken
    self.note("error record: location modified_on 'last tuesday'", "gis_location", broken["uuid"])
    uid = pick()
    other["pr_person"][uid].update(location_id=broken["uuid"], modified_on=self.later())
    self.note("blocked: person referencing the error location", "pr_person", uid)


def error_records(self: Builder, other: Dataset, pick: Callable[[], str]) -> None:
    uid = pick()
    other["pr_person"][uid].update(gender="female", modified_on=self.later())
    self.note("error record: gender = 'female' (text in INTEGER column)", "pr_person", uid)
    uid = self.add_person(
        other, "NP", {**self.meta(SYNCED_AT, 25), "modified_on": "2024-13-45 99:00:00"}
    )
    self.note("error record: modified_on '2024-13-45 99:00:00' (new person)", "pr_person", uid)


def uppercase(self: Builder, other: Dataset, this: Dataset) -> None:
    """Some unchanged records carry the bare uppercase form of their uuid in OTHER."""
    for table, count in (("pr_person", 2), ("gis_location", 1), ("pr_contact", 2)):
        same = [u for u, row in other[table].items() if this[table].get(u) == row]
        for uid in self.rng.sample(same, count):
            self.upper_uuids.add(uid)
            self.note("uuid in bare uppercase form in OTHER (same record)", table, uid)
