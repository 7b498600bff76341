"""Process-wide set-up of the entry points."""

from nishabdham.process import limit_malloc_arenas


def test_malloc_arenas_are_capped_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True  # glibc on every machine this project runs on
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
