"""Policies from files (docs/semantics.md, Policy): a TOML table of strategies and resolutions, or
a Python
file defining Eden's `sync_resolve(vector)` hook. See docs/policies.md.

Every fault in a file is a `PolicyError` naming the file, the line and the key.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.hooks import DEFAULT_TIMEOUT, HookError, HookRunner
from core.policy import PRESETS, Hook, Policy, PolicyError
from core.schema import Schema
from core.vocabulary import Method, Resolution

_KEYS = ("strategy", "resolution", "default_resolution")


def load_policy_file(path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> Policy:
    """A `Policy` from a `.toml` or `.py` file; `timeout` limits each call of a Python
    hook (and the loading of its file)."""
    path = Path(path)
    if path.suffix.lower() not in (".toml", ".py"):
        raise PolicyError(
            f"{path}: neither a policy preset ({', '.join(PRESETS)}) nor a "
            "policy file (which must end in .toml or .py)"
        )
    if not path.is_file():
        raise PolicyError(f"{path}: no such policy file")
    if path.suffix.lower() == ".toml":
        hook, check = _toml_hook(path)
        return Policy(str(path), hook, trusted=True, check=check)
    return Policy(str(path), _python_hook(path, timeout), timeout=timeout)


# ----- TOML
@dataclass(frozen=True, slots=True)
class _Rules:
    """The settings of one table; None means the table does not set that key."""

    strategy: tuple[Method, ...] | None = None
    resolution: Resolution | dict[str, Resolution] | None = None
    default_resolution: Resolution | None = None

    def over(self, base: _Rules) -> _Rules:
        """These rules, each unset key taken from `base` (resource over default)."""
        return _Rules(
            *(getattr(self, k) if getattr(self, k) is not None else getattr(base, k) for k in _KEYS)
        )


def _toml_hook(path: Path) -> tuple[Hook, Callable[[Schema], None]]:
    text = read_text(path, PolicyError)
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise PolicyError(f"{path}: malformed TOML: nested too deep") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        at_end = str(exc).endswith("(at end of document)")
        if found:
            where = f"{path}, line {found[1]}, column {found[2]}"
        elif at_end:
            where = f"{path}, line {len(text.splitlines())} (end of file)"
        else:
            where = str(path)
        cut = found.start() if found else str(exc).rfind("(") if at_end else None
        message = str(exc)[:cut].strip()
        raise PolicyError(f"{where}: malformed TOML: {message}") from None
    lines = _KeyLines(text)
    unknown = [k for k in document if k not in ("default", "resources")]
    if unknown:
        raise lines.error(
            path, (), unknown[0], "unknown table or key (use [default] and [resources.<name>])"
        )
    default = _rules(path, lines, ("default",), document.get("default", {}))
    resources_table = document.get("resources", {})
    if not isinstance(resources_table, dict):
        raise lines.error(path, (), "resources", "must be a table of [resources.<name>]")
    per_resource = {
        name: _rules(path, lines, ("resources", name), table).over(default)
        for name, table in resources_table.items()
    }

    def sync_resolve(vector: Any) -> None:
        rules = per_resource.get(vector.resource, default)
        if rules.strategy is not None:
            vector.strategy = list(rules.strategy)
        if rules.resolution is not None:
            res = rules.resolution
            vector.resolution = dict(res) if isinstance(res, dict) else res
        if rules.default_resolution is not None:
            vector.default_resolution = rules.default_resolution

    def check(schema: Schema) -> None:
        _check_names(path, lines, schema, default, resources_table)

    return sync_resolve, check


def _check_names(
    path: Path,
    lines: _KeyLines,
    schema: Schema,
    default: _Rules,
    tables: dict[str, Any],
) -> None:
    """A resource or field name THIS does not have is a typo: refuse it, naming the key."""
    for name in tables:
        if name not in schema.resources:
            raise lines.error(path, ("resources",), name, "THIS has no such resource")
    for name, table in tables.items():
        columns = schema.resources[name].columns
        own = table.get("resolution")
        for field in own if isinstance(own, dict) else ():
            if field not in columns:
                raise lines.error(
                    path, ("resources", name), f"resolution.{field}", f"{name} has no such field"
                )
    if isinstance(default.resolution, dict):
        everywhere = {c for res in schema.resources.values() for c in res.columns}
        for field in default.resolution:
            if field not in everywhere:
                raise lines.error(
                    path, ("default",), f"resolution.{field}", "no resource of THIS has this field"
                )


def _rules(path: Path, lines: _KeyLines, table_path: tuple[str, ...], table: Any) -> _Rules:
    if not isinstance(table, dict):
        raise lines.error(path, table_path[:-1], table_path[-1], "must be a table")
    for key in table:
        if key not in _KEYS:
            raise lines.error(path, table_path, key, f"unknown key (use {', '.join(_KEYS)})")

    def fail(key: str, message: str) -> PolicyError:
        return lines.error(path, table_path, key, message)

    return _Rules(
        strategy=_strategy(table.get("strategy"), fail),
        resolution=_resolution_spec(table.get("resolution"), fail),
        default_resolution=_resolution(
            table.get("default_resolution"), lambda m: fail("default_resolution", m)
        ),
    )


def _strategy(value: Any, fail: Any) -> tuple[Method, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise fail(
            "strategy", f'must be a list of methods, e.g. ["create", "update"], not {value!r}'
        )
    try:
        return tuple(Method(m) for m in value)
    except (ValueError, TypeError):
        raise fail(
            "strategy", f"invalid method in {value!r} (use create, update, delete)"
        ) from None


def _resolution_spec(value: Any, fail: Any) -> Resolution | dict[str, Resolution] | None:
    if isinstance(value, dict):
        per_field: dict[str, Resolution] = {}
        for name, v in value.items():
            resolution = _resolution(v, lambda m, n=name: fail(f"resolution.{n}", m))
            if resolution is not None:  # TOML has no null: always set
                per_field[name] = resolution
        return per_field
    return _resolution(value, lambda m: fail("resolution", m))


def _resolution(value: Any, fail: Any) -> Resolution | None:
    if value is None:
        return None
    try:
        return Resolution(value)
    except (ValueError, TypeError):
        raise fail(f"invalid resolution {value!r} (use this, other or newer)") from None


class _KeyLines:
    """Finds the line of a key in TOML text: tomllib parses but does not say where."""

    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, table_path: tuple[str, ...], key: str) -> int | None:
        first = key.split(".")[0]
        current: tuple[str, ...] = ()
        header_line = None
        for number, line in enumerate(self.lines, start=1):
            header = self._HEADER.match(line)
            if header:
                current = tuple(_unquote(p) for p in header.group(1).split("."))
                if current == (*table_path, first):
                    return number  # the key is itself a table
                if current == table_path:
                    header_line = number
                continue
            if current == table_path and re.match(
                rf"^\s*[\"']?{re.escape(first)}[\"']?\s*[=.]", line
            ):
                return number
        return header_line

    def error(self, path: Path, table_path: tuple[str, ...], key: str, message: str) -> PolicyError:
        line = self.find(table_path, key)
        where = f"{path}, line {line}" if line else str(path)
        full_key = ".".join((*table_path, key))
        return PolicyError(f"{where}, key {full_key}: {message}")


def _unquote(part: str) -> str:
    return part.strip().strip("\"'")


# ----- Python
def _python_hook(path: Path, timeout: float) -> Hook:
    """The file's `sync_resolve`; loading runs its top-level code, contained like a hook."""
    read_text(path, PolicyError)  # a non-UTF-8 file: say so, naming it
    spec = importlib.util.spec_from_file_location(f"truce_policy_{abs(hash(path))}", path)
    if spec is None or spec.loader is None:
        raise PolicyError(f"{path}: cannot be loaded as a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        with HookRunner(str(path), timeout) as runner:
            runner.call(spec.loader.exec_module, module, "loading the file")
    except HookError as exc:
        cause = exc.__cause__
        if isinstance(cause, SyntaxError):
            raise PolicyError(f"{path}, line {cause.lineno}: syntax error: {cause.msg}") from None
        line = _line_in(cause, path) if cause is not None else None
        where = f"{path}, line {line}" if line else str(path)
        raise PolicyError(f"{where}: {exc}") from None
    hook = getattr(module, "sync_resolve", None)
    if not callable(hook):
        raise PolicyError(f"{path}: defines no function sync_resolve(vector)")
    return hook


def read_text(path: Path, error: type[Exception]) -> str:
    """A policy or decisions file's text; not UTF-8 is an `error` naming file and line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{path}, line {line}: not UTF-8 text ({exc.reason})") from None


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The last line of `path` in the exception's traceback."""
    target = str(path.resolve())
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if Path(frame.filename).resolve().as_posix() == Path(target).as_posix()
    ]
    return lines[-1] if lines else None
