"""The pack starts as the engine starts it: no module of policies/ hides another module.

The Python language host runs ``python -m pulumi.policy ... <pack dir>`` with the pack directory as
the working directory, so that directory comes first on ``sys.path``: a ``policies/logging.py``
replaced the standard library's ``logging`` for every import in the process and the pack died
before it printed its port.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

PACK = Path(__file__).resolve().parents[2] / "policies"
MODULES = sorted(p.stem for p in PACK.glob("*.py") if p.stem not in ("__init__", "__main__"))


def _installed_elsewhere(name: str) -> bool:
    """Whether ``name`` is importable as a top-level module from anywhere but the pack directory."""
    saved = sys.path[:]
    try:
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != PACK]
        return importlib.util.find_spec(name) is not None
    finally:
        sys.path[:] = saved


def test_the_pack_has_modules() -> None:
    assert len(MODULES) > 5 and "framework" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_no_pack_module_shadows_the_standard_library_or_a_package(name: str) -> None:
    assert name not in sys.stdlib_module_names, f"policies/{name}.py hides the standard library's {name}"
    assert not _installed_elsewhere(name), f"policies/{name}.py hides the installed module {name}"


def test_the_guard_catches_a_shadowing_name() -> None:
    assert "logging" in sys.stdlib_module_names
    assert _installed_elsewhere("yaml")
