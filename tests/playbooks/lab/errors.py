"""The one exception the lab raises for its own failures."""

from __future__ import annotations


class LabError(RuntimeError):
    """The lab could not be built, started or torn down; the message says what and why."""
