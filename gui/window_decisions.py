"""The window's decisions: each request of the panels becomes one undo command over the
core plan, and each command's change set repaints exactly what it changed.

A mixin of `MainWindow` (gui/main_window.py): the attributes it reads are the window's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from core.edits import EditError, parse_edited_value
from core.plan import Edited
from core.steps import Steps, run_steps
from core.vectors import Vector
from core.vocabulary import Resolution
from gui import commands
from gui.dialogs import show_error
from gui.session import Sources, policy_in_force
from gui.unresolved_counter import unresolved_text

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class DecisionsMixin:
    def plan_context(self: MainWindow) -> commands.PlanContext | None:
        plan = self.plan
        if plan is None:
            return None
        return commands.PlanContext(plan, self.plan_changed, self.run_plan_steps)

    def run_plan_steps(self: MainWindow, steps: Steps[set[int]]) -> None:
        """Stepwise plan work (a bulk override, its undo, a policy) in event-loop slices,
        then the repaint of what it changed, in slices too (gui/plan_steps.py)."""

        def work() -> Steps[None]:
            positions = yield from steps
            yield from self.plan_changed_steps(positions)

        self.plan_steps.start(work(), lambda _: None)

    def plan_changed(self: MainWindow, positions: set[int] | None = None) -> None:
        """Repaint what an override changed: the vectors at `positions` (None: all).
        The list's arrays, its tab counts and the unresolved counter follow the same
        positions, so nothing here passes over the whole plan."""
        run_steps(self.plan_changed_steps(positions))

    def plan_changed_steps(self: MainWindow, positions: set[int] | None) -> Steps[None]:
        """`plan_changed` in steps (core/steps.py)."""
        if positions is None:
            self.vectors.refresh()
        else:
            yield from self.vectors.vectors_changed_steps(positions)
        vector, plan = self.fields.model.vector, self.plan
        if (
            vector is not None
            and plan is not None
            and (positions is None or plan.position(vector) in positions)
        ):
            self.fields.refresh()
        self._update_title()
        self._update_unresolved()

    def _update_unresolved(self: MainWindow) -> None:
        self.unresolved.setText(unresolved_text(self.vectors.model.table))

    def _push(self: MainWindow, command: commands.QUndoCommand) -> None:
        if self.commits.runner.running:
            return  # the plan is being written; no edits until it is done
        # After a bulk change still running in slices: decisions apply in their order.
        self.plan_steps.when_idle(lambda: self.undo_stack.push(command))

    def undo(self: MainWindow) -> None:
        if not self.commits.runner.running:
            self.plan_steps.when_idle(self.undo_stack.undo)

    def redo(self: MainWindow) -> None:
        if not self.commits.runner.running:
            self.plan_steps.when_idle(self.undo_stack.redo)

    def set_resolution(self: MainWindow, names: list[str], resolution: Resolution | None) -> None:
        vector, context = self.current_vector(), self.plan_context()
        if vector is None or context is None or not names:
            return
        # The vector is the one shown now; its fields are read when the decision's turn
        # comes (after a bulk change still running, gui/plan_steps.py).
        self.plan_steps.when_idle(lambda: self._resolve(vector, context, names, resolution))

    def _resolve(
        self: MainWindow,
        vector: Vector,
        context: commands.PlanContext,
        names: list[str],
        resolution: Resolution | None,
    ) -> None:
        if self.commits.runner.running:
            return  # the plan is being written; no edits until it is done
        typed = [n for n in names if vector.edited and n in vector.edited]
        push = self.undo_stack.push  # its turn has come: one field's change, done at once
        if typed:  # choosing a side again drops the typed value: one undo step for both
            self.undo_stack.beginMacro(f"{', '.join(names)} → {resolution or 'policy'}")
            for name in typed:
                push(commands.SetFieldValue(context, vector, name, None))
        push(commands.SetFieldResolutions(context, vector, names, resolution))
        if typed:
            self.undo_stack.endMacro()
        if self.auto_advance:
            self.keys.advance()

    def set_value(self: MainWindow, name: str, text: str) -> bool:
        """A typed value for the current vector's field, checked by THIS's column."""
        vector, context = self.current_vector(), self.plan_context()
        if vector is None or context is None:
            return False
        resource = context.plan.schema.resources[vector.resource]
        try:
            edit = Edited(parse_edited_value(resource, name, text))
        except EditError as exc:
            self.fields.show_problem(f"Not a valid value, nothing changed: {exc}")
            self.show_message(f"Not a valid value: {exc}")
            return False
        self._push(commands.SetFieldValue(context, vector, name, edit))
        return True

    def set_strategy(self: MainWindow, strategy: object) -> None:
        vector = self.current_vector()
        if vector is not None:
            self.set_strategies([vector], strategy)

    def set_default(self: MainWindow, resolution: Resolution | None) -> None:
        vector = self.current_vector()
        if vector is not None:
            self.set_defaults([vector], resolution)

    def set_strategies(self: MainWindow, vectors: list[Vector], strategy: object) -> None:
        """One strategy for every vector given (e.g. the selected ones): one undo step."""
        context = self.plan_context()
        if context is not None and vectors:
            self._push(commands.SetStrategy(context, vectors, strategy))  # type: ignore[arg-type]

    def set_defaults(
        self: MainWindow, vectors: list[Vector], resolution: Resolution | None
    ) -> None:
        """One default resolution for every vector given: one undo step."""
        context = self.plan_context()
        if context is not None and vectors:
            self._push(commands.SetDefaultResolution(context, vectors, resolution))

    def bulk_resolution(
        self: MainWindow,
        resource: str,
        name: str,
        resolution: Resolution | None,
        confirm: bool = True,
    ) -> int:
        """For field `name`, use `resolution` in every vector of `resource`; returns the count."""
        plan = self.plan
        if plan is None:
            return 0
        count = len(plan.vectors_for_field(resource, name))
        choice = resolution.value.upper() if resolution else "the policy's choice"
        question = (
            f"Use {choice} for field {name} in every {resource} vector?\n\n"
            f"This changes {count} vector(s). It is one step to undo."
        )
        if count == 0 or (
            confirm
            and QMessageBox.question(self, "Truce", question) != QMessageBox.StandardButton.Yes
        ):
            return 0
        context = self.plan_context()
        assert context is not None
        self._push(commands.BulkFieldResolution(context, resource, name, resolution))
        self.show_message(f"{resource}.{name} → {choice} in {count} vector(s).")
        return count

    def apply_policy(self: MainWindow, spec: str) -> None:
        sources = replace(self.session.sources or Sources("", ""), policy=spec)
        if self.session.sources is not None:
            self.session.sources = sources
        plan = self.plan
        if plan is None:
            return
        self.plan_steps.finish()  # the new policy is tried on the plan as it will be
        try:  # with deletions added while Sync ▸ Allow deletions is on
            context = self.plan_context()
            assert context is not None
            command = commands.ApplyPolicy(context, policy_in_force(sources))
        except Exception as exc:  # a policy's own error, shown with its message
            show_error(
                self,
                "Policy not applied",
                f"The policy {spec} cannot be used: {exc}",
                advice="Nothing was changed. Correct the policy file, or choose another policy.",
            )
            return
        self._push(command)
        self.show_message(f"Policy {spec} applied; your overrides are kept.")
