"""Words and plain-text tables, the same in every room's output: counted nouns ("1 line", "2 lines")
and columns padded to their widest cell."""

from __future__ import annotations

from collections.abc import Sequence


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1 (``plural`` for irregular nouns)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], right: frozenset[int], empty: str = "(none)"
) -> list[str]:
    """Columns padded to their widest cell; the columns in ``right`` (numbers) aligned right;
    ``empty`` instead of a header alone when there are no rows."""
    if not rows:
        return [empty]
    cells = [[str(c) for c in r] for r in [headers, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return [
        "  ".join(f"{c:>{widths[i]}}" if i in right else f"{c:<{widths[i]}}" for i, c in enumerate(r)).rstrip()
        for r in cells
    ]
