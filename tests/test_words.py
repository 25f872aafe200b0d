"""Counted nouns: one spelling for every room."""

from consortium.words import count


def test_count() -> None:
    assert [count(n, "line") for n in (0, 1, 2)] == ["0 lines", "1 line", "2 lines"]
    assert count(2, "mandatory control") == "2 mandatory controls"
    assert count(3, "entry", "entries") == "3 entries"
