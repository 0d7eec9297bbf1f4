"""The HTML report: one self-contained page (inline CSS, no scripts, no external assets),
written to the file piece by piece. Every value from a dataset is escaped.
"""

from __future__ import annotations

from html import escape
from typing import IO

from core.plan import Plan
from core.reports.sections import sections, text
from core.unresolved import undecided_fields, unresolved_conflicts
from core.vectors import Vector, outcomes

ACTIONS = ("create", "update", "delete", "unchanged", "skip", "error")

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold}
.vector{margin:1em 0;padding:.4em .8em;border-left:4px solid #bbb}
.vector h3{font-size:1em;margin:.2em 0}.uuid{color:#666;font-family:monospace}
.a-error{border-color:#c00}.a-blocked{border-color:#e80}.a-create{border-color:#2a2}
.a-update{border-color:#26c}.a-delete{border-color:#a0a}.a-skip{border-color:#888}
.reason{color:#a40;margin:.2em 0}
tr.differs td.this,tr.differs td.other{background:#fff6d5}
tr.differs.wins-other td.other,tr.differs.wins-this td.this{background:#dff5df}
tr.conflict td.field::after{content:" \\2260";color:#c00}
tr.tie td.res::after{content:" (tie)";color:#c60}
tr.blocked td{background:#ffe0e0}tr.undecided td.field{font-weight:bold;color:#c00}
td.value{white-space:pre-wrap;word-break:break-word;max-width:30em}
"""


def write_html(plan: Plan, out: IO[str]) -> None:
    """Write the report for `plan` to `out`, one vector at a time."""
    out.write(_head(plan))
    out.write(_summary(plan))
    listed = list(sections(plan))
    out.write(
        '<p class="nav">'
        + " · ".join(
            f'<a href="#s-{key}">{escape(title)} ({len(vectors)})</a>'
            for key, title, vectors in listed
        )
        + "</p>\n"
    )
    for key, title, vectors in listed:
        out.write(f'<h2 id="s-{key}">{escape(title)} ({len(vectors)})</h2>\n')
        for vector in vectors:
            out.write(_vector(vector, key))
    out.write("</body></html>\n")


def _head(plan: Plan) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Truce plan: {escape(plan.this_source)} ← {escape(plan.other_source)}</title>"
        f"<style>{_STYLE}</style></head><body>\n"
        '<h1>Truce plan</h1>\n<table class="sources">'
        f"<tr><th>THIS</th><td>{escape(plan.this_source)}</td></tr>"
        f"<tr><th>OTHER</th><td>{escape(plan.other_source)}</td></tr>"
        f"<tr><th>policy</th><td>{escape(plan.policy_name)}</td></tr></table>\n"
    )


def _summary(plan: Plan) -> str:
    parts = ['<h2 id="summary">Summary</h2>\n<table id="counts"><tr><th>resource</th>']
    parts += [f"<th>{a}</th>" for a in ACTIONS]
    parts.append("</tr>\n")
    for resource, counts in plan.counts_by_resource().items():
        parts.append(f'<tr data-resource="{escape(resource)}"><td>{escape(resource)}</td>')
        parts += [f'<td class="n" data-action="{a}">{counts[a]}</td>' for a in ACTIONS]
        parts.append("</tr>\n")
    totals = plan.counts()
    parts.append('<tr class="total" data-resource=""><td>total</td>')
    parts += [f'<td class="n" data-action="{a}">{totals[a]}</td>' for a in ACTIONS]
    parts.append("</tr></table>\n<ul>")
    for key, label in (
        ("conflicts", "vectors with conflicts"),
        ("blocked", "vectors blocked by a reference"),
    ):
        parts.append(f'<li><span class="n" id="count-{key}">{totals[key]}</span> {label}</li>')
    unresolved = len(unresolved_conflicts(plan))
    parts.append(
        f'<li><span class="n" id="count-unresolved">{unresolved}</span> vectors '
        "with unresolved conflicts (fallback THIS or a NEWER tie)</li></ul>\n"
    )
    parts += [f'<p class="warning">warning: {escape(w)}</p>\n' for w in plan.warnings]
    return "".join(parts)


def _vector(vector: Vector, key: str) -> str:
    label = f" {escape(vector.label)}" if vector.label else ""
    parts = [
        f'<div class="vector a-{key}"><h3>{escape(vector.resource)}{label} '
        f'<span class="uuid">{escape(vector.uuid)}</span> — {vector.action.value}'
        f" ({vector.method.value})</h3>"
    ]
    if vector.reason:
        parts.append(f'<p class="reason">{escape(vector.reason)}</p>')
    if vector.parent:
        parts.append(
            f"<p>component of {escape(vector.parent[0])} "
            f'<span class="uuid">{escape(vector.parent[1])}</span></p>'
        )
    fields = outcomes(vector)
    if fields:
        undecided = set(undecided_fields(vector))
        parts.append(
            "<table><tr><th>field</th><th>THIS</th><th>OTHER</th>"
            "<th>resolution</th><th>result</th></tr>"
        )
        for o in fields:
            classes = [
                c
                for c, on in (
                    ("differs", o.differs),
                    ("conflict", o.conflict),
                    ("tie", o.tie),
                    ("blocked", bool(o.blocked)),
                    ("undecided", o.name in undecided),
                )
                if on
            ]
            classes.append(f"wins-{o.winner.value}")
            note = f" — blocked: {escape(o.blocked)}" if o.blocked else ""
            parts.append(
                f'<tr class="{" ".join(classes)}"><td class="field">{escape(o.name)}</td>'
                f'<td class="value this">{escape(text(o.this))}</td>'
                f'<td class="value other">{escape(text(o.other))}</td>'
                f'<td class="res">{o.decided_by}</td>'
                f'<td class="value result">{escape(text(o.result))}{note}</td></tr>'
            )
        parts.append("</table>")
    parts.append("</div>\n")
    return "".join(parts)
