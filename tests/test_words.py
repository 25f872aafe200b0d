"""Counted nouns: one spelling for every room."""

from consortium.words import count


def test_count() -> None:
    assert [count(n, "line") for n in (0, 1, 2)] == ["0 lines", "1 line", "2 lines"]
    assert count(2, "mandatory control") == "2 mandatory controls"
    assert count(3, "entry", "entries") == "3 entries"


def test_table_pads_columns_and_aligns_numbers_right() -> None:
    from consortium.words import table

    assert table(["name", "n"], [["ab", 5], ["a", 12]], frozenset({1})) == ["name   n", "ab     5", "a     12"]
    assert table(["name"], [], frozenset(), empty="(no hosts)") == ["(no hosts)"]
