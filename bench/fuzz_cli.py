"""A longer fuzzing campaign against the CLI contract than the suite's bounded one. Prints counts; asserts nothing.

Each example mutates one input of a private copy of the example registry - a member file, consortium.yaml,
exemptions.yaml (YAML lines replaced, inserted or deleted; nasty scalars: impossible dates, long integers,
deep nesting, control characters, tabs, aliases), a plan file, a `pulumi stack export` or a baseline evidence
file (one JSON node replaced by a random value) - runs the real CLI in-process (click's CliRunner) and counts
the outcome: exit codes, tracebacks, exits outside {0,1,2}, exit 2 with a line not naming a file, anything
written on exit 2 (tree digest before and after), and a registry that validates but does not render.
The suite's version is tests/test_cli_contract.py.

    PYTHONPATH=. .venv/bin/python bench/fuzz_cli.py [--examples 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import REPO, copy_registry, tree_digest
from tests.registry.helpers import cli
from tests.test_cli_contract import HOST, _mutate_json, _mutate_yaml, evidence_doc, plan_doc

NASTY = [
    "2026-02-30",
    "2026-13-01T25:00:00",
    "1" * 5000,
    "0x" + "f" * 80,
    "[" * 5000 + "]" * 5000,
    "{" * 100,
    "\t- x",
    "\x1f",
    "&a x",
    "*a",
    "!!binary AAAA",
    "~",
    "''",
    "\U0001f600",
    "-1",
    "1e400",
    "10.0.0.0/8",
    "[]",
    "{}",
]
STATE = {
    "version": 3,
    "deployment": {
        "resources": [
            {
                "urn": "urn:pulumi:verona::consortium::azure-native:resources:ResourceGroup::rg",
                "type": "azure-native:resources:ResourceGroup",
                "outputs": {"location": "x"},
            }
        ]
    },
}
LINE = re.compile(r"(/?[\w.-]+)(/[\w.-]+)*: ")


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(9 if depth < 3 else 6)
    simple = [
        None,
        rng.choice([True, False]),
        rng.randint(-(10**20), 10**20),
        rng.random(),
        rng.choice(NASTY),
        "".join(chr(rng.randrange(1, 0x2FF)) for _ in range(rng.randrange(6))),
    ]
    if pick < 6:
        return simple[pick]
    if pick < 8:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(["status", "inputs", "urn", "x", ""]): _json_value(rng, depth + 1) for _ in range(2)}


def _example(rng: random.Random, root: Path) -> tuple[str, list[str | Path]]:
    """Mutate one input of ``root``; the kind and the command that reads it."""
    kind = rng.choice(["member", "consortium", "exemptions", "plan", "state", "evidence"])
    plan, state, evidence = root / "plan.json", root / "state.json", root / "evidence"
    evidence.mkdir(exist_ok=True)
    for p, doc in ((plan, plan_doc()), (state, STATE), (evidence / f"{HOST}.json", evidence_doc())):
        p.write_text(json.dumps(doc))
    audit: list[str | Path] = ["audit", "--registry", root, "--plan", plan, "--evidence", evidence]
    if kind in ("member", "consortium", "exemptions"):
        rel = {"member": "members/verona.yaml", "consortium": "consortium.yaml", "exemptions": "exemptions.yaml"}[kind]
        value = rng.choice(NASTY) if rng.random() < 0.5 else json.dumps(_json_value(rng))
        path = root / rel
        path.write_text(_mutate_yaml(path.read_text(), rng.randrange(400), value, rng.randrange(3)))
        return kind, audit if kind == "exemptions" else ["validate", "--registry", root]
    target = {"plan": plan, "state": state, "evidence": evidence / f"{HOST}.json"}[kind]
    path_in = [rng.randrange(20) for _ in range(rng.randrange(5))]
    target.write_text(json.dumps(_mutate_json(json.loads(target.read_text()), path_in, _json_value(rng))))
    if kind == "state":
        return kind, ["audit", "--registry", root, "--state", state]
    return kind, audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    first: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pristine = copy_registry(Path(tmp) / "pristine")
        if not (pristine / "exemptions.yaml").exists():  # the fixture's copy leaves it out
            shutil.copy2(REPO / "exemptions.yaml", pristine / "exemptions.yaml")
        for _ in range(args.examples):
            root = Path(tmp) / "r"
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(pristine, root)
            kind, command = _example(rng, root)
            before = tree_digest(root)
            try:
                result = cli(*command)
            except BaseException:  # a traceback is what we count
                broken[f"{kind}: traceback"] += 1
                first.setdefault(f"{kind}: traceback", traceback.format_exc(limit=3))
                continue
            counts[f"{kind}: exit {result.code}"] += 1
            problem = None
            if result.code not in (0, 1, 2):
                problem = "exit outside 0/1/2"
            elif result.code == 2 and not all(LINE.match(line) for line in result.err_lines):
                problem = "a line not naming a file"
            elif result.code == 2 and tree_digest(root) != before:
                problem = "written on exit 2"
            if not problem and result.code == 0 and command[0] == "validate":
                # what validate accepts, render must render (a name with a control character did not)
                rendered = cli("render", "--registry", root)
                if rendered.code != 0:
                    problem, result = "validates but does not render", rendered
            if problem:
                broken[f"{kind}: {problem}"] += 1
                first.setdefault(f"{kind}: {problem}", result.err[:400])
    print(f"{args.examples} examples (seed {args.seed})")
    for key, n in sorted(counts.items()):
        print(f"  {key:32} {n}")
    print(f"contract broken: {sum(broken.values())}")
    for key, n in sorted(broken.items()):
        print(f"  {key:32} {n}\n    first: {first[key]!r}")


if __name__ == "__main__":
    main()
