"""A Python policy hook is user code: it runs under a time limit, cannot end the process or
write to stdout, and sees read-only copies of the values (docs/policies.md, Python)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from builders import at, create_database, urn

from core.cli import main
from core.policy import Policy, PolicyError
from core.policy_files import load_policy_file
from core.session import open_pair

P1, P2 = urn(1), urn(2)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    """THIS with Ann (age 3); OTHER (S3JSON) with a newer Ann (age 4) and a new Bob."""
    this = tmp_path / "this.sqlite"
    engine = sa.create_engine(f"sqlite:///{this}")
    create_database(
        engine,
        {"person": [{"uuid": P1, "name": "Ann", "age": 3, "modified_on": at(-1000)}]},
    )
    engine.dispose()
    other = tmp_path / "other.json"
    people = [
        {"@uuid": P1, "@modified_on": "2025-01-01T00:00:00Z", "name": "Ann", "age": 4},
        {"@uuid": P2, "@modified_on": "2025-01-01T00:00:00Z", "name": "Bob", "age": 5},
    ]
    other.write_text(json.dumps({"$_person": people}))
    return str(this), str(other)


def _rows(this: str) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{this}")
    with engine.connect() as conn:
        rows = sorted(conn.execute(sa.text("SELECT uuid, name, age FROM person")))
    engine.dispose()
    return [tuple(r) for r in rows]


def _hook(tmp_path: Path, body: str, name: str = "hook.py") -> str:
    path = tmp_path / name
    path.write_text(body)
    return str(path)


def _commit(pair: tuple[str, str], policy: str, *extra: str) -> int:
    return main(["commit", *pair, "--policy", policy, "--yes", *extra])


LOOP = "def sync_resolve(vector):\n    while True:\n        pass\n"
# Blocked in a system call that never returns (a read of a pipe nobody writes to): only
# the signal the time limit sends can end it.
BLOCKED = (
    "import os\n\ndef sync_resolve(vector):\n"
    "    read_end, _write_end = os.pipe()\n    os.read(read_end, 1)\n"
)


@pytest.mark.parametrize("body", [LOOP, BLOCKED], ids=["loop", "blocked"])
def test_a_looping_hook_is_stopped_naming_the_vector(
    pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    before = _rows(pair[0])
    code = _commit(pair, _hook(tmp_path, body), "--hook-timeout", "0.3")
    err = capsys.readouterr().err
    assert code == 2
    assert "ran over its time limit of 0.3 s on person urn:uuid:" in err
    assert _rows(pair[0]) == before


def test_the_time_limit_holds_in_a_worker_thread(pair, tmp_path: Path) -> None:
    """The GUI plans in a worker thread, where no signal can interrupt the hook."""
    policy = load_policy_file(_hook(tmp_path, LOOP), timeout=0.3)
    caught: list[BaseException] = []

    def work() -> None:
        try:
            open_pair(*pair).plan(policy)
        except BaseException as exc:  # reported to the test thread
            caught.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    [error] = caught
    assert isinstance(error, PolicyError) and "time limit" in str(error)


@pytest.mark.parametrize(
    "statement, raised",
    [
        ("import sys; sys.exit(0)", "SystemExit"),
        ("raise SystemExit", "SystemExit"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt"),
        ("exit()", "SystemExit"),
    ],
)
def test_exiting_in_a_hook_is_an_error_naming_it_and_commits_nothing(
    pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], statement: str, raised: str
) -> None:
    """Before: sys.exit(0) in a hook made `commit` exit 0 with nothing committed."""
    before = _rows(pair[0])
    hook = _hook(tmp_path, f"def sync_resolve(vector):\n    {statement}\n")
    code = _commit(pair, hook)
    err = capsys.readouterr().err
    assert code == 2
    assert f"policy {hook} raised {raised}" in err and "on person urn:uuid:" in err
    assert _rows(pair[0]) == before


def test_exiting_while_the_policy_loads_is_an_error_naming_the_file(
    pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = _hook(tmp_path, "import sys\nprint('hello')\nsys.exit(3)\n")
    assert _commit(pair, hook) == 2
    captured = capsys.readouterr()
    assert f"{hook}, line 3: policy {hook} raised SystemExit" in captured.err
    assert "hello" not in captured.out


def test_a_printing_hook_keeps_the_json_valid(
    pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = _hook(
        tmp_path,
        "import sys\n"
        "def sync_resolve(vector):\n"
        "    print('debug', vector.uuid)\n"
        "    sys.stderr.write('noise')\n"
        "    vector.strategy = ['create', 'update']\n",
    )
    assert main(["preview", *pair, "--policy", hook, "--json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["policy"] == hook
    assert "debug" not in captured.out and "noise" not in captured.err


def test_what_a_hook_printed_is_shown_with_its_error(pair, tmp_path: Path) -> None:
    hook = _hook(
        tmp_path, "def sync_resolve(vector):\n    print('looking at', vector.uuid)\n    1/0\n"
    )
    with pytest.raises(PolicyError, match="ZeroDivisionError.*it printed: looking at urn:uuid:"):
        open_pair(*pair).plan(load_policy_file(hook))


@pytest.mark.parametrize(
    "statement",
    [
        "vector.other['age'] = 99",
        "vector.this['name'] = 'Zed'",
        "vector._vector.other_values['name'] = 'Zed'",
        "vector.nickname = 'Zed'",
        "vector.uuid = 'x'",
    ],
)
def test_a_hook_sees_read_only_values(pair, tmp_path: Path, statement: str) -> None:
    hook = _hook(tmp_path, f"def sync_resolve(vector):\n    {statement}\n")
    with pytest.raises(PolicyError, match="raised (TypeError|AttributeError)"):
        open_pair(*pair).plan(load_policy_file(hook))


def test_nothing_a_hook_does_writes_values_in_neither_this_nor_other(pair, tmp_path: Path) -> None:
    """Before: a hook could rewrite the values it was shown, and the commit wrote them."""
    hook = _hook(
        tmp_path,
        "def sync_resolve(vector):\n"
        "    for attempt in (\n"
        "        lambda: vector._vector.other_values.update(name='Zed', age=99),\n"
        "        lambda: vector.other.__setitem__('name', 'Zed'),\n"
        "        lambda: dict.update(vector.other, name='Zed'),\n"
        "    ):\n"
        "        try:\n"
        "            attempt()\n"
        "        except Exception:\n"
        "            pass\n"
        "    vector.strategy = ['create', 'update']\n"
        "    vector.resolution = 'other'\n",
    )
    assert _commit(pair, hook) == 0
    assert _rows(pair[0]) == [(P1, "Ann", 4), (P2, "Bob", 5)]


def test_values_are_frozen_copies() -> None:
    from types import MappingProxyType

    from core.policy import frozen_value

    value = {"tags": ["a", {"b": [1]}]}
    frozen = frozen_value(value)
    assert isinstance(frozen, MappingProxyType)
    assert frozen["tags"] == ("a", MappingProxyType({"b": (1,)}))
    with pytest.raises(TypeError):
        frozen["tags"] = ()  # type: ignore[index]


def test_a_trusted_policy_reads_the_same_values(pair) -> None:
    seen = []
    policy = Policy("ours", lambda v: seen.append(v.other["age"]), trusted=True)
    open_pair(*pair).plan(policy)
    assert sorted(seen) == [4, 5]


def _looping(vector: object) -> None:
    while True:
        pass


@pytest.mark.parametrize("in_thread", [False, True], ids=["main", "worker"])
def test_the_interruption_never_escapes_the_runner(in_thread: bool) -> None:
    """The alarm repeats after the deadline; wherever it lands, the caller sees only a
    HookError (before: one landing in the runner's own cleanup escaped as _Expired)."""
    from core.hooks import HookError, HookRunner

    outcomes: list[BaseException | None] = []

    def run() -> None:
        with HookRunner("hostile", timeout=0.01) as runner:
            for n in range(40):
                try:
                    runner.call(_looping, None, f"call {n}")
                    outcomes.append(None)
                except BaseException as exc:  # what escaped, whatever it is
                    outcomes.append(exc)

    if in_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    else:
        run()
    assert len(outcomes) == 40
    assert all(isinstance(o, HookError) and "time limit" in str(o) for o in outcomes), outcomes
