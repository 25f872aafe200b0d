"""A town leaves (``consortium offboard``), end to end on a copy of the bundled registry: plan,
exit package, data kept, render refusing a premature delete, the block kept from a new town."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from consortium.registry.models import Leaving
from tests.conftest import tree_digest

from .helpers import NEW_TOWN, cli, read

SLUG = "sun-prairie"  # phase 2: backup (vault, storage) and a landing zone peered to the hub
UNHOOK, TODAY = "2026-03-01", "2026-02-01"
KEPT_UNTIL = "2026-04-05"  # unhook + the consortium default retention (35 days)


def _plan(registry_dir: Path, out: Path, as_of: str, against: Path | None = None) -> str:
    args = ["plan", "--registry", registry_dir, "--member", SLUG, "--summary", "--as-of", as_of, "--json", out]
    result = cli(*args, *(["--against", against] if against else []))
    assert result.code == 0, result.err
    return result.out


def _offboard(registry_dir: Path, *args: str) -> None:
    result = cli("offboard", SLUG, "--registry", registry_dir, *args)
    assert result.code == 0, result.err


def test_offboarding_a_town_end_to_end(registry_dir: Path, tmp_path: Path) -> None:
    member = registry_dir / f"members/{SLUG}.yaml"
    comment = "# EXAMPLE member: a real municipality name with invented, illustrative data."
    assert comment in member.read_text()
    before = tmp_path / "before.json"
    _plan(registry_dir, before, UNHOOK)

    result = cli("offboard", SLUG, "--registry", registry_dir, "--unhook-on", UNHOOK, "--today", TODAY)
    assert result.code == 0, result.err
    assert f"members/{SLUG}.yaml: status: leaving; unhook on {UNHOOK}, data kept until {KEPT_UNTIL}" in result.out
    assert f"goes on {UNHOOK}: azure-native:network:VirtualNetworkPeering peer-hub-to-{SLUG}" in result.out
    assert f"kept until {KEPT_UNTIL}, protected: azure-native:recoveryservices:Vault rsv-{SLUG}" in result.out
    assert f"wrote docs/members/{SLUG}-exit.md" in result.out
    text = member.read_text()
    assert comment in text and f"status: leaving\nleaving:\n  unhook_on: {UNHOOK}\nphase: 2\n" in text
    assert cli("render", "--check", "--registry", registry_dir).code == 0
    stack = read(registry_dir / f"stacks/Pulumi.{SLUG}.yaml")["config"]["consortium:stack"]
    assert stack["data_kept_until"] == KEPT_UNTIL and stack["member"]["leaving"]["unhook_on"] == UNHOOK

    # The plan on the unhook day: the hub links go, the data stays, protected and retained.
    after = tmp_path / "after.json"
    report = _plan(registry_dir, after, UNHOOK, against=before)
    assert f"  - azure-native:network:VirtualNetworkPeering peer-{SLUG}-to-hub" in report
    assert f"  - azure-native:network:Route route-hub-to-{SLUG}" in report
    assert "  ~ azure-native:recoveryservices:Vault rsv-sun-prairie\n" in report
    # Both peerings and the route go; the hub-subscription provider stays for the spoke's flow log.
    assert "stack sun-prairie: 0 to create, 3 to delete, 4 to update, 32 unchanged" in report
    records = {r["name"]: r for r in json.loads(after.read_text())["resources"]}
    kept = {n for n, r in records.items() if r.get("protect") and r.get("retain_on_delete")}
    assert kept == {
        "rsv-sun-prairie",
        "stsunprairie5f5a91ee",
        *(f"stsunprairie5f5a91ee-{c}" for c in ("servers", "endpoints")),
    }
    assert records["rsv-sun-prairie"]["inputs"]["tags"]["data-kept-until"] == KEPT_UNTIL
    # The day before the unhook, the town is still hooked up.
    early = _plan(registry_dir, tmp_path / "early.json", "2026-02-28", against=before)
    assert "0 to create, 0 to delete, 4 to update" in early

    # The exit package: inventory, dates, restore with its own key, contacts.
    exit_doc = (registry_dir / f"docs/members/{SLUG}-exit.md").read_text()
    for fragment in (
        f"data_kept_until: {KEPT_UNTIL}",
        f"| Recovery Services vault | `rsv-{SLUG}` |",
        "| Storage account (backup storage) | `stsunprairie5f5a91ee` |",
        f"s3:https://s3.dane-consortium.example/dane-consortium-offsite/{SLUG}/<server>",
        f"- Peering (hub side) `to-{SLUG}`",
        # The spoke's flow records stay the consortium's security record, in the hub's flow-log account.
        f"- Flow log (hub) `fl-vnet-{SLUG}`: the flows of the town's network, in the consortium's account "
        "sthubflowlogs7b56fc79, each record kept 120 days",
        "| Consortium security (keys, repository passwords) | security@dane-consortium.example |",
        "| Town IT lead | it@sun-prairie.example |",
    ):
        assert fragment in exit_doc, fragment
    assert "for February 2026, its last month of service, that is 28 of 28 days" in " ".join(exit_doc.split())
    share = json.loads((registry_dir / "estimates.json").read_text())["members"][SLUG]["share_monthly"]
    assert f"= **{Decimal(share):,.2f} USD**" in " ".join(exit_doc.split())

    # Deleting the file of a leaving town is refused; nothing written.
    member.rename(tmp_path / "kept.yaml")
    digest = tree_digest(registry_dir)
    result = cli("render", "--registry", registry_dir)
    assert result.code == 2 and "holds the stack's encrypted secrets" in result.err
    assert tree_digest(registry_dir) == digest
    (tmp_path / "kept.yaml").rename(member)

    # Left before its data expired: refused, nothing written.
    digest = tree_digest(registry_dir)
    result = cli("offboard", SLUG, "--registry", registry_dir, "--left", "--today", "2026-04-04")
    assert result.code == 2
    assert result.err.strip() == (
        f"members/{SLUG}.yaml: leaving.left_on: 2026-04-04 is before its data expires on {KEPT_UNTIL} "
        "(unhook_on + 35 days of backup retention); keep status leaving until then"
    )
    assert tree_digest(registry_dir) == digest

    # Left: stack, inventory and runbook go; the member file and the exit package stay.
    _offboard(registry_dir, "--left", "--today", KEPT_UNTIL)
    assert "status: left\nleaving:\n  unhook_on: 2026-03-01\n  left_on: 2026-04-05\n" in member.read_text()
    for gone in (f"stacks/Pulumi.{SLUG}.yaml", f"playbooks/inventories/{SLUG}.yml", f"docs/members/{SLUG}.md"):
        assert not (registry_dir / gone).exists(), gone
    assert "quarantine_ends: 2026-10-02" in (registry_dir / f"docs/members/{SLUG}-exit.md").read_text()
    assert cli("render", "--check", "--registry", registry_dir).code == 0
    assert "planned 0 stacks" in cli("plan", "--registry", registry_dir, "--member", SLUG).out

    # Its block stays reserved while its file is there: a new town gets another one; once the file
    # is archived (after the quarantine), the block is the lowest free one again.
    archived = shutil.copytree(registry_dir, tmp_path / "archived")
    (archived / f"members/{SLUG}.yaml").unlink()
    sp_block = read(member)["network"]["cidr"]
    for root, expect_sp_block in ((registry_dir, False), (archived, True)):
        new = root / "members/dunn.yaml"
        new.write_text(NEW_TOWN)
        result = cli("onboard", new, "--registry", root)
        assert result.code == 0, result.err
        assert (read(new)["network"]["cidr"] == sp_block) is expect_sp_block


def test_offboard_refuses_a_past_unhook_date_and_writes_nothing(registry_dir: Path) -> None:
    digest = tree_digest(registry_dir)
    result = cli("offboard", SLUG, "--registry", registry_dir, "--unhook-on", "2026-01-01", "--today", TODAY)
    assert result.code == 2
    assert result.err.strip() == (
        f"members/{SLUG}.yaml: leaving.unhook_on: 2026-01-01 is in the past; the unhook date is today or later"
    )
    assert tree_digest(registry_dir) == digest


def test_a_phase_down_that_deletes_data_is_refused(registry_dir: Path) -> None:
    member = registry_dir / f"members/{SLUG}.yaml"
    member.write_text(member.read_text().replace("phase: 2\n", "phase: 1\n"))
    digest = tree_digest(registry_dir)
    for command in ("validate", "render"):
        result = cli(command, "--registry", registry_dir)
        assert result.code == 2
        assert result.err.strip() == (
            f"members/{SLUG}.yaml: phase: 1 would delete its Recovery Services vault and backup storage account "
            f"(the town's backups), which stacks/Pulumi.{SLUG}.yaml deploys: a phase change never deletes data; "
            f"keep the phase, or offboard the town (consortium offboard {SLUG})"
        )
    assert tree_digest(registry_dir) == digest


def test_a_phase_down_from_networking_is_planned(registry_dir: Path, tmp_path: Path) -> None:
    # 4 -> 3 removes only network resources: allowed, and the plan shows what goes and what stays.
    before = tmp_path / "before.json"
    assert cli("plan", "--registry", registry_dir, "--member", "verona", "--json", before).code == 0
    member = registry_dir / "members/verona.yaml"
    member.write_text(member.read_text().replace("phase: 4\n", "phase: 3\n"))
    assert cli("render", "--registry", registry_dir).code == 0
    result = cli("plan", "--registry", registry_dir, "--member", "verona", "--summary", "--against", before)
    assert result.code == 0
    assert "  - azure-native:network:VirtualNetworkGatewayConnection" in result.out
    assert "  - azure-native:keyvault:Vault" not in result.out and "  - azure-native:recoveryservices" not in result.out


def test_a_networking_town_is_unhooked_from_its_date(registry_dir: Path, tmp_path: Path) -> None:
    # verona (phase 4, one site with a VPN): the VPN and its own rights go; the desk's and auditors' stay.
    before = tmp_path / "before.json"
    assert cli("plan", "--registry", registry_dir, "--member", "verona", "--json", before).code == 0
    result = cli("offboard", "verona", "--registry", registry_dir, "--unhook-on", UNHOOK, "--today", TODAY)
    assert result.code == 0, result.err
    after = tmp_path / "after.json"
    args = ("plan", "--registry", registry_dir, "--member", "verona", "--as-of", UNHOOK, "--json", after)
    report = cli(*args, "--summary", "--against", before).out
    for gone in ("VirtualNetworkGatewayConnection", "LocalNetworkGateway", "VirtualNetworkPeering"):
        assert f"  - azure-native:network:{gone} " in report, gone
    assert "  - azure-native:authorization:RoleAssignment verona-admins-contributor" in report
    assert "  - azure-native:authorization:RoleAssignment verona-automation-key-vault-secrets-user" in report
    names = {r["name"]: r for r in json.loads(after.read_text())["resources"]}
    assert {"verona-helpdesk-backup-operator", "verona-auditors-reader"} <= set(names)
    assert "fl-vnet-verona" in names  # the unhooked spoke still logs its flows
    key_vaults = [r for r in names.values() if r["type"] == "azure-native:keyvault:Vault"]
    assert key_vaults and all(r.get("protect") and r.get("retain_on_delete") for r in key_vaults)
    # Its route table no longer routes to its town hall's LAN through the hub.
    tables = [r for r in names.values() if r["type"] == "azure-native:network:RouteTable"]
    assert all(not route["name"].startswith("onprem-") for t in tables for route in t["inputs"]["routes"])


def test_the_final_share_is_prorated_by_day_to_the_cent(registry_dir: Path) -> None:
    from consortium.registry.exit_package import final_share
    from consortium.registry.load import load_registry

    reg = load_registry(registry_dir)
    member = reg.entry(SLUG).member
    monthly = reg.estimates.members[SLUG].share_monthly if reg.estimates else None
    assert monthly is not None and final_share(reg, member) is None  # not leaving: no final share
    leaving = member.model_copy(update={"leaving": Leaving(unhook_on=date(2026, 3, 16))})
    share = final_share(reg, leaving)
    assert share is not None and (share.month, share.days, share.days_in_month) == ("March 2026", 15, 31)
    assert share.amount == (monthly * 15 / 31).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # Without an estimate of the town, the package says how to get one instead of a figure.
    doc = json.loads((registry_dir / "estimates.json").read_text())
    del doc["members"][SLUG]
    (registry_dir / "estimates.json").write_text(json.dumps(doc))
    _offboard(registry_dir, "--unhook-on", UNHOOK, "--today", TODAY)
    exit_doc = (registry_dir / f"docs/members/{SLUG}-exit.md").read_text()
    assert "No estimate of the town's monthly share yet" in exit_doc


def test_an_unhook_date_at_the_calendars_end_is_one_line_not_an_overflow(registry_dir: Path) -> None:
    # 9999-12-31 plus the retention overflowed Python's calendar: a traceback from offboard and validate.
    before = tree_digest(registry_dir)
    result = cli("offboard", SLUG, "--registry", registry_dir, "--unhook-on", "9999-12-31", "--today", "2026-01-01")
    assert result.code == 2, result
    assert result.err_lines == [
        f"members/{SLUG}.yaml: leaving.unhook_on: Input should be less than or equal to 2999-12-31, got 9999-12-31"
    ], result.err
    assert tree_digest(registry_dir) == before
    member = registry_dir / f"members/{SLUG}.yaml"
    member.write_text(member.read_text().replace("status: active", "status: leaving\nleaving: {unhook_on: 9999-12-30}"))
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2, result
    assert result.err_lines == [
        f"members/{SLUG}.yaml: leaving.unhook_on: Input should be less than or equal to 2999-12-31, got 9999-12-30"
    ], result.err
