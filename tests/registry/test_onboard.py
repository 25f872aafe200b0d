"""Onboarding (:mod:`consortium.registry.onboard`): the lowest free block, no renumbering, several
files in the given order, nothing written on failure, and the operator's file kept as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest

from .helpers import NEW_TOWN, cli, read


def test_onboard_allocates_lowest_free_and_keeps_comments(registry_dir: Path) -> None:
    (registry_dir / "members/dunn.yaml").write_text(NEW_TOWN)
    result = cli("onboard", registry_dir / "members/dunn.yaml", "--registry", registry_dir)
    assert result.code == 0, result.err
    assert "members/dunn.yaml: network.cidr: allocated 10.64.160.0/20" in result.out
    text = (registry_dir / "members/dunn.yaml").read_text()
    assert text.startswith("# Town of Dunn: joining in 2027 (illustrative data).\n")
    assert "name: Town of Dunn   # the town's legal name\n" in text
    assert "admins: [c.meyer@dane-consortium.example]\nnetwork:\n  cidr: 10.64.160.0/20\n" in text
    keys = list(read(registry_dir / "members/dunn.yaml"))
    assert keys.index("network") == keys.index("admins") + 1
    for rendered in ("stacks/Pulumi.dunn.yaml", "playbooks/inventories/dunn.yml", "docs/members/dunn.md"):
        assert (registry_dir / rendered).is_file()
    assert cli("render", "--check", "--registry", registry_dir).code == 0


def test_onboard_twice_changes_nothing(registry_dir: Path) -> None:
    (registry_dir / "members/dunn.yaml").write_text(NEW_TOWN)
    assert cli("onboard", registry_dir / "members/dunn.yaml", "--registry", registry_dir).code == 0
    before = tree_digest(registry_dir)
    again = cli("onboard", registry_dir / "members/dunn.yaml", "--registry", registry_dir)
    assert again.code == 0
    assert "already has 10.64.160.0/20" in again.out and "0 written" in again.out
    assert tree_digest(registry_dir) == before


def test_removing_a_member_frees_its_block_without_renumbering_anyone(registry_dir: Path) -> None:
    before = {
        slug: read(registry_dir / f"members/{slug}.yaml")["network"]["cidr"]
        for slug in ("fitchburg", "middleton", "monona")
    }
    # Verona held 10.64.32.0/20; it left (render removed its stack file) and its file was archived.
    (registry_dir / "members/verona.yaml").unlink()
    (registry_dir / "stacks/Pulumi.verona.yaml").unlink()
    (registry_dir / "members/dunn.yaml").write_text(NEW_TOWN)
    result = cli("onboard", registry_dir / "members/dunn.yaml", "--registry", registry_dir)
    assert result.code == 0, result.err
    assert read(registry_dir / "members/dunn.yaml")["network"]["cidr"] == "10.64.32.0/20"
    after = {slug: read(registry_dir / f"members/{slug}.yaml")["network"]["cidr"] for slug in before}
    assert after == before
    assert "removed playbooks/inventories/verona.yml" in result.out  # its other generated files go with it
    assert not (registry_dir / "docs/members/verona.md").exists()


def test_onboard_several_in_the_given_order(registry_dir: Path) -> None:
    (registry_dir / "members/dunn.yaml").write_text(NEW_TOWN)
    (registry_dir / "members/berry.yaml").write_text(NEW_TOWN.replace("dunn", "berry").replace("Dunn", "Berry"))
    result = cli(
        "onboard", registry_dir / "members/dunn.yaml", registry_dir / "members/berry.yaml", "--registry", registry_dir
    )
    assert result.code == 0, result.err
    assert read(registry_dir / "members/dunn.yaml")["network"]["cidr"] == "10.64.160.0/20"
    assert read(registry_dir / "members/berry.yaml")["network"]["cidr"] == "10.64.176.0/20"


def test_onboard_on_a_full_supernet_writes_nothing(registry_dir: Path) -> None:
    consortium = (registry_dir / "consortium.yaml").read_text()
    # a /16 supernet holds exactly the hub and fifteen /20s: nine members leave six free
    (registry_dir / "consortium.yaml").write_text(
        consortium.replace("supernet: 10.64.0.0/12", "supernet: 10.64.0.0/16")
    )
    for i in range(7):
        (registry_dir / f"members/town{i}.yaml").write_text(
            NEW_TOWN.replace("slug: dunn", f"slug: town{i}").replace("Dunn", f"Town {i}")
        )
    before = tree_digest(registry_dir)
    files = [registry_dir / f"members/town{i}.yaml" for i in range(7)]
    result = cli("onboard", *files, "--registry", registry_dir)
    assert result.code == 2
    assert result.err_lines[-1] == "members/town6.yaml: network.cidr: no free /20 left in the supernet 10.64.0.0/16"
    assert tree_digest(registry_dir) == before


@pytest.mark.parametrize("where", ["../x.yaml", "consortium.yaml", "members/../consortium.yaml", "members/sub/x.yaml"])
def test_onboard_refuses_files_outside_members(registry_dir: Path, where: str) -> None:
    target = registry_dir / where
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(NEW_TOWN)
    before = tree_digest(registry_dir.parent)
    result = cli("onboard", target, "--registry", registry_dir)
    assert result.code == 2
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert "not a member file of this registry" in line or "member files are members/<slug>.yaml" in line
    assert tree_digest(registry_dir.parent) == before


def test_a_tab_the_editor_cannot_read_is_one_line_and_nothing_is_written(registry_dir: Path) -> None:
    (registry_dir / "members/dunn.yaml").write_text(NEW_TOWN.replace("name: Town of Dunn", "name:\tTown of Dunn"))
    before = tree_digest(registry_dir)
    result = cli("onboard", registry_dir / "members/dunn.yaml", "--registry", registry_dir)
    assert result.code == 2
    assert result.err_lines == [
        "members/dunn.yaml: line 3, column 6: tab where YAML needs spaces; use spaces (tabs only inside quotes)"
    ]
    assert tree_digest(registry_dir) == before
