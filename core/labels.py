"""Readable labels of the records a plan's references point at.

A reference is carried as the target's uuid; people recognise the target by its name.
Labels come from the plan itself (vectors and unchanged rows) and, for targets only THIS
holds, from one batched read of THIS.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.plan import Plan
from core.records import label_for
from core.sources.sql import SqlDataset

Identity = tuple[str, str]


def referenced_identities(plan: Plan) -> set[Identity]:
    """Every (resource, uuid) that some vector's reference field points at, on either side."""
    wanted: set[Identity] = set()
    for vector in plan.vectors:
        for name, target in vector.references.items():
            for values in (vector.other_values, vector.this_values):
                uuid = values.get(name)
                if isinstance(uuid, str):
                    wanted.add((target, uuid))
    return wanted


def reference_labels(plan: Plan, this: SqlDataset | None = None) -> dict[Identity, str]:
    """identity → label for every referenced record found in the plan or in THIS."""
    wanted = referenced_identities(plan)
    labels: dict[Identity, str] = {}
    for vector in plan.vectors:
        if vector.identity in wanted and vector.label:
            labels[vector.identity] = vector.label
    # Unchanged rows THIS has are labelled from THIS below; only the few it never had
    # are held with OTHER's label.
    for row in plan.unchanged.held_rows():
        identity = (row.resource, row.uuid)
        if identity in wanted and row.label:
            labels[identity] = row.label
    if this is not None:
        labels.update(_labels_from_this(plan, this, wanted - labels.keys()))
    return labels


def _labels_from_this(plan: Plan, this: SqlDataset, missing: set[Identity]) -> dict[Identity, str]:
    keys: dict[str, dict[Any, str]] = defaultdict(dict)
    for resource, uuid in missing:
        key = plan.this_index.get(resource, {}).get(uuid)
        if key is not None:
            keys[resource][key] = uuid
    labels: dict[Identity, str] = {}
    for resource, by_key in keys.items():
        for key, (record, _fingerprint) in this.fetch(resource, by_key).items():
            label = label_for(record.values)
            if label:
                labels[(resource, by_key[key])] = label
    return labels
