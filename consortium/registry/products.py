"""Which product a declared application is: the one identity ``consortium overlap`` groups towns by.

Towns write the same product differently ("Tyler Technologies, Inc." / "tyler technologies";
"Munis" / "MUNIS "), so two entries are the same product when their :func:`product_key` is equal.
The key ignores the version (towns on 2021.1 and 2024.2 of one product can still share a contract)
and the category (one town files Munis under erp-finance, another under payroll-hr).

It is also the seam for matching software found on hosts (a host inventory) to the applications
towns declared: such a matcher turns what it finds into a key with this function and looks it up
among :func:`overlap.deployments`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Legal-form words at the end of a vendor's name, dropped so "Esri" and "Esri, Inc." are one vendor.
VENDOR_SUFFIXES = frozenset(
    {"inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company", "plc", "lp"}
)
# Marks that decorate product names but do not tell products apart.
_MARKS = str.maketrans("", "", "®™©")
# Punctuation that separates words ("Tyler Technologies, Inc.", "BS&A" stays: & is part of names).
_SEPARATORS = re.compile(r"[\s,.;:()\"']+")


class ProductKey(NamedTuple):
    """A product's identity: its vendor and product name, each normalised (see :func:`product_key`)."""

    vendor: str
    product: str

    def __str__(self) -> str:
        return f"{self.vendor}/{self.product}"


def _words(text: str) -> list[str]:
    """``text`` as lowercase words: Unicode compatibility forms folded (full-width letters, ligatures),
    trademark marks dropped, punctuation and runs of whitespace turned into single word breaks."""
    folded = unicodedata.normalize("NFKC", text.translate(_MARKS)).casefold()  # marks first: NFKC turns ™ into "TM"
    return [w for w in _SEPARATORS.split(folded) if w]


def normal_vendor(vendor: str) -> str:
    """The vendor's name without case, punctuation or a trailing legal form ("Inc.", "LLC", "Corp.")."""
    words = _words(vendor)
    while len(words) > 1 and words[-1] in VENDOR_SUFFIXES:  # "Co., Ltd." drops both; a lone "Company" stays
        words.pop()
    return " ".join(words)


def normal_product(product: str) -> str:
    """The product's name without case, punctuation or trademark marks."""
    return " ".join(_words(product))


def product_key(vendor: str, product: str) -> ProductKey:
    """The identity of ``product`` by ``vendor``: equal for names that differ only in case, spacing,
    punctuation, trademark marks or the vendor's legal form. Nothing else is merged: "Office 365" and
    "Microsoft 365" stay two products, since guessing that renamed products are one would hide a choice."""
    return ProductKey(normal_vendor(vendor), normal_product(product))
