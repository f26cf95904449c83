"""escala.core.shared: a per-process copy every process forgets together (through the cache)."""

import pytest

from escala.core import shared
from escala.core.shared import SharedCopy


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.delete("shared-copy-gen:test-copy")
    yield
    cache.delete("shared-copy-gen:test-copy")


def test_a_change_in_one_process_empties_the_copy_of_another():
    here, there = SharedCopy("test-copy", max_age=60), SharedCopy("test-copy", max_age=60)
    here.current()["row"] = 1
    there.current()["row"] = 1
    here.forget()
    assert here.current() == {}
    assert there.current() == {}  # the other "process" saw the generation move
    there.current()["row"] = 2
    assert there.current() == {"row": 2}  # and keeps its copy until the next change


def test_without_a_change_the_copy_lives_max_age_seconds(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(shared.time, "monotonic", lambda: now[0])
    copy = SharedCopy("test-copy", max_age=5)
    copy.current()["row"] = 1
    now[0] += 4
    assert copy.current() == {"row": 1}
    now[0] += 2
    assert copy.current() == {}
