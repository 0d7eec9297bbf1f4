"""Running a user's policy code contained: a time limit, its output captured, and every
way out of it (`sys.exit()`, Ctrl-C, any exception) turned into an error naming it.

A Python policy is arbitrary code running with the user's rights (docs/policies.md):
this guards against mistakes — a loop, a stray `print`, an `exit()` — not against
malice. The time limit interrupts the main thread with SIGALRM (which also breaks
`time.sleep`); in any other thread (the GUI's worker) a trace function checks the clock
on every line of Python the hook runs. Neither can stop a single long call into C.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

DEFAULT_TIMEOUT = 5.0  # seconds per call of the hook (per vector)
_REFIRE = 0.05  # after the deadline, the alarm repeats: a hook that swallows it still ends
_SHOWN_OUTPUT = 400  # characters of captured output quoted in an error


class HookError(Exception):
    """The hook ran over its time limit, exited or raised; the message says which."""


class _Expired(BaseException):
    """Raised inside the hook at its deadline; a BaseException so `except Exception`
    in the hook does not swallow it."""


class HookRunner:
    """Calls one policy's hook, each call under the time limit, output captured.

    Use as a context manager around a run of calls (one `Policy.apply`): the signal
    handler and the output redirection are installed once for all of them.
    """

    def __init__(self, name: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = name
        self.timeout = timeout
        self.output = io.StringIO()
        self._active = False
        self._deadline = 0.0
        self._main = threading.current_thread() is threading.main_thread() and hasattr(
            signal, "setitimer"
        )
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> HookRunner:
        self._stack.enter_context(contextlib.redirect_stdout(self.output))
        self._stack.enter_context(contextlib.redirect_stderr(self.output))
        if self._main:
            previous = signal.signal(signal.SIGALRM, self._alarm)
            self._stack.callback(signal.signal, signal.SIGALRM, previous)
            self._stack.callback(signal.setitimer, signal.ITIMER_REAL, 0)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def call(self, hook: Callable[..., Any], argument: Any, what: str) -> Any:
        """`hook(argument)`; any way it fails is a `HookError` naming `what` it ran on.

        The interruption is raised only in frames outside this module, so it can never
        escape from the bookkeeping below, whatever moment the alarm picks.
        """
        self._deadline = time.monotonic() + self.timeout
        previous_trace = sys.gettrace()
        self._active = True
        if self._main:
            signal.setitimer(signal.ITIMER_REAL, self.timeout, _REFIRE)
        else:
            sys.settrace(self._trace)
        try:
            result = hook(argument)
            # A hook that swallowed the interruption and went on, then returned.
            expired = time.monotonic() > self._deadline + _REFIRE
        except _Expired:
            expired, result = True, None
        except (Exception, SystemExit, KeyboardInterrupt, GeneratorExit) as exc:
            # sys.exit() in a hook must not end Truce, nor make a commit look successful.
            raise HookError(
                f"policy {self.name} raised {type(exc).__name__}: {exc} on {what}" + self._printed()
            ) from exc
        finally:
            self._active = False
            if self._main:
                signal.setitimer(signal.ITIMER_REAL, 0)
            else:
                sys.settrace(previous_trace)
        if expired:
            raise HookError(
                f"policy {self.name} ran over its time limit of {self.timeout:g} s on {what} "
                "(a loop? raise the limit with --hook-timeout)" + self._printed()
            )
        return result

    def _alarm(self, _signum: int, frame: FrameType | None) -> None:
        if self._active and not _ours(frame):
            raise _Expired

    def _trace(self, frame: FrameType, _event: str, _arg: Any) -> Any:
        if _ours(frame):
            return None
        if self._active and time.monotonic() > self._deadline:
            raise _Expired
        return self._trace

    def _printed(self) -> str:
        text = self.output.getvalue().strip()
        if not text:
            return ""
        return "; it printed: " + (
            text if len(text) <= _SHOWN_OUTPUT else "…" + text[-_SHOWN_OUTPUT:]
        )


def _ours(frame: FrameType | None) -> bool:
    return frame is not None and frame.f_code.co_filename == __file__
