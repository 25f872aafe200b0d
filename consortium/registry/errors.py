"""One error type for every kind of bad input, so the CLI can print one line per problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """A single finding about an input file: where it is, which field, and what is wrong."""

    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}" if self.field else f"{self.path}: {self.message}"


class InputError(Exception):
    """Bad input: carries every problem found, each printable as one line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def fail(path: str, field: str, message: str) -> InputError:
    """Shorthand for a single-problem error (``raise fail(...)``)."""
    return InputError([Problem(path, field, message)])
