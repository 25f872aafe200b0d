"""Malformed audit sources (plan files, state exports, host evidence): one line naming the file and field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.registry.helpers import cli

MALFORMED = [
    # plan files (consortium plan --json)
    ("--plan", "[]", "not a plan file"),
    ("--plan", '{"version": 2, "resources": []}', "version: is 2, this toolkit reads version 1"),
    ("--plan", '{"version": 1, "resources": []}', "stacks: missing"),
    (
        "--plan",
        '{"version": 1, "stacks": [], "resources": [{"urn": "u"}]}',
        "resources[0].stack: missing or not a string",
    ),
    (
        "--plan",
        '{"version": 1, "stacks": [], "resources": [{"urn": "u", "type": 3, "name": "n", "stack": "s"}]}',
        "resources[0].type: missing or not a string",
    ),
    (  # a member that is no slug would reach the controls and the reports (found by the CLI contract's fuzzing)
        "--plan",
        '{"version": 1, "stacks": [], "resources": '
        '[{"urn": "u", "type": "t", "name": "n", "stack": "s", "member": 1}]}',
        "resources[0].member: must be a string or null",
    ),
    # pulumi stack export files
    ("--state", "{", "not valid JSON"),
    ("--state", "[]", "deployment: missing"),
    ("--state", '{"version": 2, "deployment": {"resources": []}}', "version: deployment version 2 is not supported"),
    ("--state", '{"version": 3, "deployment": {"resources": {}}}', "deployment.resources: expected a list"),
    (
        "--state",
        '{"version": 3, "deployment": {"resources": [{"type": "x"}]}}',
        "deployment.resources[0].urn: missing",
    ),
    ("--state", '{"version": 3, "deployment": {"resources": [{"urn": "arn:aws:x", "type": "x"}]}}', "not a Pulumi URN"),
    (
        "--state",
        '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:a::p::t::n", "type": "t", "outputs": []}]}}',
        "outputs: expected an object",
    ),
    # host evidence (a directory of baseline_audit.yml's JSON files)
    ("--evidence", "{", "not valid JSON"),
    ("--evidence", '{"controls": {}}', "host: missing"),
    ("--evidence", '{"host": "h", "controls": []}', "controls: expected an object"),
    (
        "--evidence",
        '{"host": "h", "controls": {"LNX-SSH-001": {"status": "fine"}}}',
        "controls.LNX-SSH-001.status: expected one of",
    ),
]


@pytest.mark.parametrize(("option", "content", "fragment"), MALFORMED)
def test_a_malformed_source_exits_2_with_one_line_naming_the_file(
    tmp_path: Path, option: str, content: str, fragment: str
) -> None:
    bad = tmp_path / "h.json"
    bad.write_text(content)
    result = cli("audit", option, tmp_path if option == "--evidence" else bad, "--registry", REPO)
    assert result.code == 2 and len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith(str(bad)) and fragment in result.err_lines[0], result.err
    assert "Traceback" not in result.err
