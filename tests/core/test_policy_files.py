"""Policy files (docs/semantics.md, Policy): TOML and Python policies, every preset, and their
error messages."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from core.cli import main
from core.plan import Plan
from core.policy import PRESETS, PolicyError
from core.policy_files import load_policy_file
from core.session import load_policy, open_pair
from core.vocabulary import Action, Method, Resolution

# The presets of docs/semantics.md, Policy as (strategy, resolution); None: the preset sets no
# resolution.
PRESET_RULES: dict[str, tuple[tuple[Method, ...], Resolution | None]] = {
    "no-sync": ((), None),
    "import": ((Method.CREATE,), Resolution.OTHER),
    "replace": ((Method.CREATE, Method.UPDATE), Resolution.OTHER),
    "update": ((Method.UPDATE,), Resolution.OTHER),
    "replace-newer": ((Method.CREATE, Method.UPDATE), Resolution.NEWER),
    "update-newer": ((Method.UPDATE,), Resolution.NEWER),
    "eden": ((Method.CREATE, Method.UPDATE, Method.DELETE), Resolution.NEWER),
}
# Sample cases (resources/samples/README.md).
OTHER_NEWER = "urn:uuid:0c004d1e-ebef-4390-af74-2d156f141369"  # edited in both, OTHER newer
THIS_NEWER = "urn:uuid:42f656ce-1132-4018-84c8-604112035cce"  # edited in both, THIS newer
CREATED = "urn:uuid:60db423a-8d67-4352-bbd6-cacd38824546"  # only in OTHER
DELETED = "urn:uuid:0f13f70c-78fb-4103-9eb2-d7b54e94271c"  # deleted in OTHER


def _plan(sample_paths: dict[str, Path], policy: str | None) -> Plan:
    pair = open_pair(sample_paths["local"], sample_paths["incoming"])
    return pair.plan(load_policy(policy))


def _shape(plan: Plan) -> list[tuple]:
    """Everything a policy decides, per vector."""
    return sorted(
        (
            v.resource,
            v.uuid,
            v.strategy,
            repr(v.resolution),
            v.default_resolution,
            v.action.value,
            v.reason,
        )
        for v in plan.vectors
    )


def _toml_text(strategy: tuple[Method, ...], resolution: Resolution | None) -> str:
    methods = ", ".join(f'"{m.value}"' for m in strategy)
    text = f"[default]\nstrategy = [{methods}]\n"
    if resolution is not None:
        text += f'resolution = "{resolution.value}"\n'
    return text


def _python_text(strategy: tuple[Method, ...], resolution: Resolution | None) -> str:
    methods = ", ".join(f"vector.METHOD.{m.name}" for m in strategy)
    text = f"def sync_resolve(vector):\n    vector.strategy = [{methods}]\n"
    if resolution is not None:
        text += f"    vector.resolution = vector.RESOLUTION.{resolution.name}\n"
    return text


@pytest.mark.parametrize("name", sorted(PRESET_RULES))
def test_toml_and_python_policies_equal_the_preset(name, sample_paths, tmp_path):
    strategy, resolution = PRESET_RULES[name]
    toml_file = tmp_path / "policy.toml"
    toml_file.write_text(_toml_text(strategy, resolution))
    py_file = tmp_path / "policy.py"
    py_file.write_text(_python_text(strategy, resolution))
    expected = _shape(_plan(sample_paths, name))
    assert _shape(_plan(sample_paths, str(toml_file))) == expected
    assert _shape(_plan(sample_paths, str(py_file))) == expected


def test_every_spec_preset_is_tested():
    assert set(PRESETS) == set(PRESET_RULES)


@pytest.mark.parametrize("name", sorted(PRESET_RULES))
def test_preset_sets_strategy_and_resolution(name, sample_paths):
    strategy, resolution = PRESET_RULES[name]
    plan = _plan(sample_paths, name)
    for vector in plan.vectors:
        assert vector.strategy == strategy
        assert vector.resolution == resolution
    actions = {(v.resource, v.uuid): v.action for v in plan.vectors}
    by_method = {
        m: {v.action for v in plan.vectors if v.method is m and not v.problems} for m in Method
    }
    # Methods outside the strategy are skipped, never written.
    for method in Method:
        if method not in strategy:
            assert by_method[method] <= {Action.SKIP}, (method, by_method[method])
    if Method.CREATE in strategy:
        assert actions[("pr_person", CREATED)] is Action.CREATE
    deleted = Action.DELETE if Method.DELETE in strategy else Action.SKIP
    assert actions[("pr_person", DELETED)] is deleted  # only `eden` allows delete
    if Method.UPDATE in strategy:
        assert actions[("pr_person", OTHER_NEWER)] is Action.UPDATE
        kept = Action.UPDATE if resolution is Resolution.OTHER else Action.UNCHANGED
        assert actions[("pr_person", THIS_NEWER)] is kept


@pytest.mark.parametrize("name", sorted(PRESET_RULES))
def test_preset_actions_on_the_sample_pair(name, sample_paths):
    strategy, _ = PRESET_RULES[name]
    counts = _plan(sample_paths, name).counts()
    assert (counts["create"] > 0) == (Method.CREATE in strategy)
    assert (counts["update"] > 0) == (Method.UPDATE in strategy)
    assert (counts["delete"] > 0) == (Method.DELETE in strategy)
    assert counts["error"] == 6  # bad records stay errors whatever the policy


def test_no_policy_creates_and_keeps_this(sample_paths):
    counts = _plan(sample_paths, None).counts()
    assert counts["create"] > 0 and counts["update"] == 0


def test_resource_table_overrides_default_key_by_key(sample_paths, tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        '[default]\nstrategy = ["create", "update"]\nresolution = "newer"\n'
        'default_resolution = "other"\n\n'
        '[resources.pr_person]\nresolution = { comments = "this" }\n'
    )
    plan = _plan(sample_paths, str(path))
    person = plan.get("pr_person", OTHER_NEWER)
    assert person.strategy == (Method.CREATE, Method.UPDATE)
    assert person.resolution == {"comments": Resolution.THIS}
    assert person.default_resolution is Resolution.OTHER
    address = next(v for v in plan.vectors if v.resource == "pr_address")
    assert address.resolution is Resolution.NEWER


def _error(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_malformed_toml_names_file_line_and_column(tmp_path):
    message = _error(tmp_path, "p.toml", "[default]\nstrategy = [create]\n")
    assert "line 2, column 13: malformed TOML" in message
    message = _error(tmp_path, "q.toml", '[default]\nstrategy = ["create"\n')
    assert "line 2 (end of file): malformed TOML: Unclosed array" in message


def test_unknown_key_names_line_and_key(tmp_path):
    message = _error(
        tmp_path,
        "p.toml",
        '[default]\nstrategy = ["create"]\n\n[resources.pr_person]\ncolour = 1\n',
    )
    assert "line 5" in message and "key resources.pr_person.colour" in message


def test_bad_resolution_in_inline_table(tmp_path):
    message = _error(
        tmp_path, "p.toml", '[resources.pr_person]\nresolution = { comments = "sideways" }\n'
    )
    assert "line 2" in message and "resources.pr_person.resolution.comments" in message
    assert "'sideways'" in message


def test_bad_strategy_and_unknown_table(tmp_path):
    assert "key default.strategy" in _error(tmp_path, "a.toml", '[default]\nstrategy = "x"\n')
    assert "line 1, key defaults" in _error(tmp_path, "b.toml", "[defaults]\n")


def test_python_syntax_error_names_line(tmp_path):
    message = _error(tmp_path, "p.py", "x = 1\ndef sync_resolve(vector)\n    pass\n")
    assert "line 2" in message and "syntax error" in message


def test_python_without_hook_and_failing_import(tmp_path):
    assert "sync_resolve" in _error(tmp_path, "a.py", "def resolve(vector):\n    pass\n")
    assert "line 2" in _error(tmp_path, "b.py", "import os\nraise RuntimeError('no')\n")


def test_unknown_preset_or_suffix(tmp_path):
    with pytest.raises(PolicyError, match="must end in .toml or .py"):
        load_policy("replace-older")
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(str(tmp_path / "missing.toml"))


def test_raising_hook_names_the_vector_exits_2_and_commits_nothing(sample_paths, tmp_path, capsys):
    this = tmp_path / "local.db"
    shutil.copy(sample_paths["local"], this)
    before = this.read_bytes()
    hook = tmp_path / "hook.py"
    hook.write_text(
        "def sync_resolve(vector):\n"
        "    if vector.resource == 'pr_person':\n"
        "        raise KeyError('no rule for ' + vector.uuid)\n"
        "    vector.strategy = [vector.METHOD.CREATE]\n"
    )
    code = main(
        ["commit", str(this), str(sample_paths["incoming"]), "--policy", str(hook), "--yes"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"policy {hook} raised KeyError" in err
    assert "on pr_person urn:uuid:" in err and "Traceback" not in err
    assert this.read_bytes() == before
    tables = {
        r[0]
        for r in sqlite3.connect(this).execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }
    assert "truce_journal" not in tables
