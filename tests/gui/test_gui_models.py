"""The models pass Qt's model tester, filter by index arrays and hold no per-row QObjects."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from core.session import open_pair
from core.vocabulary import Action, Resolution
from gui.field_model import FieldModel
from gui.theme import Theme
from gui.vector_model import COMPONENT_MARK, Filter, VectorModel, filter_counts
from tests.conftest import SAMPLES_DIR


def _plan():
    return open_pair(SAMPLES_DIR / "local.db", SAMPLES_DIR / "incoming.db").plan()


def test_vector_model_passes_the_model_tester_for_every_filter(qtmodeltester):
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(_plan())
    qtmodeltester.check(model)
    for which in Filter:
        model.set_filter(which)
        qtmodeltester.check(model)
    model.set_filter(Filter.ALL, "galle")
    qtmodeltester.check(model)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_filters_show_exactly_the_counted_rows(qapp):
    plan = _plan()
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(plan)
    counts = filter_counts(plan)
    for which in Filter:
        model.set_filter(which)
        assert len(model.visible_entries()) == counts[which], which
    assert counts[Filter.ALL] == sum(
        v for k, v in plan.counts().items() if k in {a.value for a in Action}
    )


def test_components_follow_their_master_indented(qapp):
    plan = _plan()
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(plan)
    entries = model.visible_entries()
    nested = 0
    for row, entry in enumerate(entries):
        vector = model.row(entry)
        master = plan.get(*vector.parent) if entry >= 0 and vector.parent else None
        text = model.index(row, 0).data()
        if master is None:
            assert not text.startswith(COMPONENT_MARK)
            continue
        # The master's vector may come later in the plan (an unchanged master promoted
        # for its components): the component is still listed right under it.
        master_row = entries.index(plan.position(master))
        assert master_row < row
        assert all(model.row(e).parent == master.identity for e in entries[master_row + 1 : row])
        assert text == COMPONENT_MARK + vector.resource
        nested += 1
    assert nested > 0


def test_search_matches_uuid_and_values(qapp):
    plan = _plan()
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(plan)
    model.set_filter(Filter.ALL, "0C004D1E-EBEF")
    rows = [model.row(e) for e in model.visible_entries()]
    assert [r.uuid for r in rows] == ["urn:uuid:0c004d1e-ebef-4390-af74-2d156f141369"]
    model.set_filter(Filter.ALL, "Verified in the field")
    assert all(
        "Verified in the field" in str(model.row(e).other_values.values())
        for e in model.visible_entries()
    )
    assert model.visible_entries()


def test_field_model_passes_the_model_tester(qtmodeltester):
    plan = _plan()
    model = FieldModel(Theme.build(dark=False))
    for vector in plan.vectors[:40]:
        model.set_vector(vector)
        qtmodeltester.check(model)
    model.set_vector(None)
    qtmodeltester.check(model)


def test_models_create_no_per_row_qobjects(qapp):
    plan = _plan()
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(plan)
    assert not model.findChildren(QObject)


def test_first_unresolved_field_skips_decided_ones(qapp):
    plan = _plan()
    vector = next(v for v in plan.vectors if len(v.differing) >= 2 and v.method.value == "update")
    model = FieldModel(Theme.build(dark=False))
    model.set_vector(vector)
    first = model.first_unresolved_row()
    assert first is not None and model.name(first) == next(
        o for o in vector.fields if o in vector.differing
    )
    plan.set_field_resolution(vector, model.name(first), Resolution.OTHER)
    model.refresh()
    second = model.first_unresolved_row()
    assert second is not None and second > first
    plan.set_default_resolution(vector, Resolution.THIS)
    model.refresh()
    assert model.first_unresolved_row() is None
