"""The collector is paused while a plan is built, and left as it was found."""

from __future__ import annotations

import gc

from core.gcpause import paused_gc


def test_nested_pauses_resume_the_collector_once_at_the_end() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_still_resumes_the_collector() -> None:
    try:
        with paused_gc():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()
