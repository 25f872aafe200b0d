"""Editing a member file in place: the round-trip YAML editor onboarding and offboarding share.

The operator's comments, key order and quoting survive; only what ``change`` touches differs.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap


def _editor() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the operator wrote on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def edited(text: str, change: Callable[[CommentedMap], None]) -> str:
    """``text`` (a YAML mapping) with ``change`` applied to its round-trip document."""
    yaml = _editor()
    data = yaml.load(text)
    change(data)
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()
