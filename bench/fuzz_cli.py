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

import json
import random
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fuzz_campaign
from fuzz_campaign import LINE

from tests.conftest import REPO, tree_digest
from tests.registry.helpers import Result, cli
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


def _example(rng: random.Random, root: Path) -> tuple[str, list[str | Path], None]:
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
        return kind, audit if kind == "exemptions" else ["validate", "--registry", root], None
    target = {"plan": plan, "state": state, "evidence": evidence / f"{HOST}.json"}[kind]
    path_in = [rng.randrange(20) for _ in range(rng.randrange(5))]
    target.write_text(json.dumps(_mutate_json(json.loads(target.read_text()), path_in, _json_value(rng))))
    if kind == "state":
        return kind, ["audit", "--registry", root, "--state", state], None
    return kind, audit, None


def _judge(
    kind: str, command: list[str | Path], _extra: None, result: Result, root: Path, before: str
) -> tuple[str, Result] | None:
    """The CLI contract: exit 0, 1 or 2; on exit 2 every line names a file and nothing was written;
    what validate accepts, render renders."""
    if result.code not in (0, 1, 2):
        return "exit outside 0/1/2", result
    if result.code == 2 and not all(LINE.match(line) for line in result.err_lines):
        return "a line not naming a file", result
    if result.code == 2 and tree_digest(root) != before:
        return "written on exit 2", result
    if result.code == 0 and command[0] == "validate":
        # what validate accepts, render must render (a name with a control character did not)
        rendered = cli("render", "--registry", root)
        if rendered.code != 0:
            return "validates but does not render", rendered
    return None


def main() -> None:
    args = fuzz_campaign.arguments(__doc__.splitlines()[0], examples=2000)
    with fuzz_campaign.pristine_registry() as (pristine, scratch):
        if not (pristine / "exemptions.yaml").exists():  # the fixture's copy leaves it out
            shutil.copy2(REPO / "exemptions.yaml", pristine / "exemptions.yaml")
        fuzz_campaign.run(pristine, scratch, args, _example, _judge)


if __name__ == "__main__":
    main()
