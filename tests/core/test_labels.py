"""Reference labels: the names people know a referenced record by."""

from __future__ import annotations

from core.labels import reference_labels
from core.session import open_pair


def test_every_referenced_record_gets_its_label_from_the_plan_or_this(sample_paths):
    pair = open_pair(sample_paths["local"], sample_paths["incoming"])
    plan = pair.plan()
    labels = reference_labels(plan, pair.this)
    targets = {
        (target, v.other_values[name])
        for v in plan.vectors
        for name, target in v.references.items()
        if isinstance(v.other_values.get(name), str)
    }
    resolvable = {t for t in targets if plan.this_has(*t) or plan.get(*t)}
    assert resolvable and resolvable <= labels.keys()
    assert all(label.strip() for label in labels.values())
    # A location only OTHER has is named from its vector, not looked up in THIS.
    created = [
        v
        for v in plan.vectors
        if v.resource == "gis_location"
        and v.label
        and v.method.value == "create"
        and v.identity in labels
    ]
    assert all(labels[v.identity] == v.label for v in created)
