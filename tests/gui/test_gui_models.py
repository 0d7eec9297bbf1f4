"""The models pass Qt's model tester, filter by index arrays and hold no per-row QObjects."""

from __future__ import annotations

from PySide6.QtCore import QObject

from core.session import open_pair
from core.vocabulary import Action
from gui.field_model import FieldModel
from gui.theme import Theme
from gui.vector_model import Filter, VectorModel, filter_counts
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


def test_components_are_nested_under_their_master(qapp):
    plan = _plan()
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(plan)
    nested = 0
    for row in range(model.rowCount()):
        master = model.row(model.entry(model.index(row, 0)))
        parent = model.index(row, 0)
        for child in range(model.rowCount(parent)):
            assert model.row(model.entry(model.index(child, 0, parent))).parent == (
                master.resource,
                master.uuid,
            )
            nested += 1
    assert nested > 0
    # A component never stands at the top while its master is in the plan, even when
    # the master's vector comes later (an unchanged master promoted for its components).
    for row in range(model.rowCount()):
        parent = model.row(model.entry(model.index(row, 0))).parent
        assert parent is None or (
            plan.get(*parent) is None
            and parent not in {(u.resource, u.uuid) for u in plan.unchanged}
        ), parent


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
