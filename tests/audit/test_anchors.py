"""The crosswalk to PSRule, Checkov and MCSB: anchors and the catalog's cross-reference fields agree,
every anchor is covered or not enforced with a reason, and the CLI prints both."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from consortium.audit.reports.anchors import anchor_crosswalk
from consortium.backups.controls import drill_controls
from consortium.cli import main
from policies.anchors import ANCHORS, FRAMEWORKS, anchors, not_enforced
from policies.catalog import CATALOG, by_id

# Every control an anchor may name: the plan's, and the restore drills' judged by `audit --evidence`.
ALL_CONTROLS = (*CATALOG, *drill_controls(None))


def test_every_anchor_is_covered_or_not_enforced_with_a_reason() -> None:
    for a in ANCHORS:
        assert a.framework in FRAMEWORKS
        assert bool(a.covered_by) != bool(a.not_enforced), a.rule
        assert all(c in {c.id for c in ALL_CONTROLS} for c in a.covered_by), a.rule


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_anchors_and_the_controls_cross_reference_fields_agree(framework: str) -> None:
    """A control naming a rule is listed under that anchor, and an anchor's controls name its rule."""
    from_controls = {(rule, c.id) for c in ALL_CONTROLS for rule in getattr(c, framework)}
    from_anchors = {(a.rule, c) for a in anchors(framework) for c in a.covered_by}
    assert from_controls == from_anchors


def test_the_hub_reliability_rules_of_psrule_are_all_answered() -> None:
    rules = {a.rule for a in anchors("psrule")}
    assert {
        "Azure.Firewall.AvailabilityZone",
        "Azure.PublicIP.AvailabilityZone",
        "Azure.VNG.VPNActiveActive",
        "Azure.VNG.VPNAvailabilityZoneSKU",
        "Azure.VNG.MaintenanceConfig",
        "Azure.LogAnalytics.Replication",
    } <= rules


def test_crosswalk_framework_lists_each_anchor_with_its_answer() -> None:
    result = CliRunner().invoke(main, ["audit", "--crosswalk", "--framework", "psrule", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["total"] == len(anchors("psrule"))
    (active,) = [a for a in doc["anchors"] if a["rule"] == "Azure.VNG.VPNActiveActive"]
    assert active["controls"] == ["MCS-REL-004"]
    (bastion,) = [a for a in doc["anchors"] if a["rule"] == "Azure.VNET.BastionSubnet"]
    assert bastion["controls"] == [] and "Bastion" in bastion["not_enforced"]
    assert "intentionally not enforced" in anchor_crosswalk("mcsb", "text", ALL_CONTROLS)


def test_the_cis_crosswalk_ends_with_the_not_enforced_list() -> None:
    text = CliRunner().invoke(main, ["audit", "--crosswalk"]).stdout
    assert "Intentionally not enforced:" in text
    for a in not_enforced():
        assert f"{a.framework} {a.rule}: {a.not_enforced}" in text
    doc = json.loads(CliRunner().invoke(main, ["audit", "--crosswalk", "--format", "json"]).stdout)
    assert [a["rule"] for a in doc["not_enforced"]] == [a.rule for a in not_enforced()]


def test_framework_without_crosswalk_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["audit", "--catalog", "--framework", "mcsb"])
    assert result.exit_code == 2
    assert "--framework goes with --crosswalk" in result.stderr


def test_the_security_rules_of_psrule_for_storage_vaults_and_backup_are_all_answered() -> None:
    """The issue's done-criterion for the data types: every PSRule Security rule on them is an anchor."""
    rules = {a.rule for a in anchors("psrule")}
    assert {
        "Azure.Storage.MinTLS",
        "Azure.Storage.SecureTransfer",
        "Azure.Storage.BlobPublicAccess",
        "Azure.Storage.BlobAccessType",
        "Azure.Storage.Firewall",
        "Azure.Storage.DefenderCloud",
        "Azure.KeyVault.RBAC",
        "Azure.KeyVault.Firewall",
        "Azure.KeyVault.Logs",
        "Azure.KeyVault.AccessPolicy",
        "Azure.RSV.Immutable",
    } <= rules
    assert by_id()["MCS-STO-001"].psrule == ("Azure.Storage.MinTLS",)
    assert "CKV_AZURE_42" in by_id()["MCS-KV-001"].checkov and "CKV_AZURE_42" in by_id()["MCS-KV-002"].checkov


def test_a_rule_is_listed_once_per_framework() -> None:
    keys = [(a.framework, a.rule) for a in ANCHORS]
    assert len(keys) == len(set(keys))


def test_no_anchor_is_left_not_yet_covered() -> None:
    """Every anchor rule is covered by a control or intentionally not enforced with the consortium's
    reason; none is left as a known gap ("not yet covered: ...")."""
    assert [a.rule for a in not_enforced() if a.not_enforced.startswith("not yet covered:")] == []


def test_the_gaps_closed_by_controls_are_covered() -> None:
    """Anchors once listed as "not yet covered" now name the control that checks them."""
    covered = {(a.framework, a.rule): a.covered_by for a in ANCHORS}
    assert covered[("psrule", "Azure.NSG.AnyInboundSource")] == ("MCS-NET-018",)
    assert covered[("checkov", "CKV_AZURE_77")] == ("MCS-NET-018",)
    assert covered[("checkov", "CKV_AZURE_36")] == ("MCS-STO-012",)
    assert covered[("checkov", "CKV2_AZURE_35")] == ("MCS-BAK-010",)
    assert covered[("checkov", "CKV_AZURE_39")] == ("MCS-IAM-009",)
    assert covered[("psrule", "Azure.Storage.ContainerSoftDelete")] == ("MCS-STO-013",)
    assert covered[("psrule", "Azure.RBAC.UseGroups")] == ("MCS-IAM-010",)
    assert covered[("checkov", "CKV_AZURE_244")] == ("MCS-STO-014",)
    assert covered[("psrule", "Azure.NSG.LateralTraversal")] == ("MCS-NET-019",)
    assert covered[("checkov", "CKV2_AZURE_21")] == ("MCS-LOG-006",)
    assert covered[("checkov", "CKV_AZURE_12")] == covered[("mcsb", "LT-4")] == ("MCS-LOG-007",)
    assert covered[("mcsb", "BR-4")] == ("MCS-BAK-009",)  # judged apart, from the restore drills


def test_the_crosswalk_names_a_control_judged_apart_and_refuses_an_unknown_one() -> None:
    result = CliRunner().invoke(main, ["audit", "--crosswalk", "--framework", "mcsb", "--format", "json"])
    (br4,) = [a for a in json.loads(result.stdout)["anchors"] if a["rule"] == "BR-4"]
    assert br4["controls"] == ["MCS-BAK-009"]
    with pytest.raises(ValueError, match="MCS-BAK-009"):
        anchor_crosswalk("mcsb", "text", CATALOG)  # the plan catalog alone cannot name it
