"""The loop the fuzzing campaigns share (bench/fuzz_cli.py, bench/fuzz_money.py): a fresh copy of a
pristine registry per example, the real CLI run in-process, a traceback counted as a break, the outcome
judged by the campaign's own rules, and the counts printed. Asserts nothing."""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import copy_registry, tree_digest
from tests.registry.helpers import Result, cli

# A problem line names its file (or flag) first: "path: field: message".
LINE = re.compile(r"(/?[\w.-]+)(/[\w.-]+)*: ")

# (rng, root) -> (kind, command, what the judge needs of the example)
Make = Callable[[random.Random, Path], tuple[str, list[str | Path], Any]]
# (kind, command, extra, result, root, digest before) -> (problem, result to show) or None: the contract kept
Judge = Callable[[str, list[str | Path], Any, Result, Path, str], tuple[str, Result] | None]


def arguments(description: str, examples: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--examples", type=int, default=examples)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


@contextmanager
def pristine_registry() -> Iterator[tuple[Path, Path]]:
    """(a copy of the example registry to start each example from, a scratch folder), removed after."""
    with tempfile.TemporaryDirectory() as tmp:
        yield copy_registry(Path(tmp) / "pristine"), Path(tmp)


def run(pristine: Path, scratch: Path, args: argparse.Namespace, make: Make, judge: Judge) -> None:
    """``args.examples`` examples from ``pristine``, then the counts and the first case of each break."""
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    first: dict[str, str] = {}
    for _ in range(args.examples):
        root = scratch / "r"
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(pristine, root)
        kind, command, extra = make(rng, root)
        before = tree_digest(root)
        try:
            result = cli(*command)
        except BaseException:  # a traceback is what we count
            broken[f"{kind}: traceback"] += 1
            first.setdefault(f"{kind}: traceback", traceback.format_exc(limit=-3))  # the innermost frames
            continue
        counts[f"{kind}: exit {result.code}"] += 1
        found = judge(kind, command, extra, result, root, before)
        if found:
            problem, shown = found
            broken[f"{kind}: {problem}"] += 1
            first.setdefault(f"{kind}: {problem}", (shown.err or shown.out)[:400])
    print(f"{args.examples} examples (seed {args.seed})")
    for key, n in sorted(counts.items()):
        print(f"  {key:32} {n}")
    print(f"contract broken: {sum(broken.values())}")
    for key, n in sorted(broken.items()):
        print(f"  {key:32} {n}\n    first: {first[key]!r}")
