"""CSV that a spreadsheet opens as data: every room's CSV output goes through :func:`csv_writer`.

A treasurer opens the chargeback, the cost estimate, the overlap report or the asset register in a
spreadsheet, where a cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is
taken as a formula: text from a member file or a host inventory ("=HYPERLINK(...)") would run.
Such text cells get a leading apostrophe, the spreadsheet's own "this is text" mark (OWASP's advice
for CSV injection); numbers, negative amounts included ("-12.50", a credit), stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number: left as it is, so a credit of -12.50 sums in the spreadsheet.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it as data: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` with every cell through :func:`safe_cell`.

    The csv module quotes a cell holding a line break only if the break is part of the line
    terminator: with ``"\n"`` a lone carriage return would go out unquoted and end the row early
    for every reader. A row with a line break the terminator lacks is written with every cell quoted.
    """

    def __init__(self, out: IO[str], lineterminator: str = "\n") -> None:
        self._writer = csv.writer(out, lineterminator=lineterminator)
        self._quoted = csv.writer(out, lineterminator=lineterminator, quoting=csv.QUOTE_ALL)
        self._breaks = tuple(ch for ch in "\r\n" if ch not in lineterminator)

    def writerow(self, row: Iterable[Any]) -> None:
        cells = [safe_cell(c) for c in row]
        breaks = self._breaks and any(isinstance(c, str) and any(b in c for b in self._breaks) for c in cells)
        (self._quoted if breaks else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], lineterminator: str = "\n") -> SafeWriter:
    return SafeWriter(out, lineterminator)
