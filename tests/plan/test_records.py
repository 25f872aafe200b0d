"""The plan file (consortium/plan/records.py): its shape, as the audit and `plan --against` read it."""

from __future__ import annotations

from consortium.plan import records

RECORD_KEYS = {
    "stack",
    "member",
    "urn",
    "id",
    "type",
    "name",
    "custom",
    "parent",
    "provider",
    "dependencies",
    "inputs",
}


def test_plan_document_shape(example_plan):
    doc = records.plan_document(example_plan)
    assert doc["version"] == 1 and doc["project"] == "consortium" and doc["consortium"] == "dane-county"
    assert doc["stacks"][0]["stack"] == "hub"
    assert sorted(s["stack"] for s in doc["stacks"][1:]) == [s["stack"] for s in doc["stacks"][1:]]
    urns = [r["urn"] for r in doc["resources"]]
    assert urns == sorted(urns) and len(set(urns)) == len(urns)
    for r in doc["resources"]:
        # ignore_changes only where the program sets it (the budget's start date, kept from the first up);
        # replace_on_changes and delete_before_replace likewise (the hub's zonal firewall and addresses).
        assert set(r) - {"ignore_changes", "replace_on_changes", "delete_before_replace"} == RECORD_KEYS
        if "replace_on_changes" in r:
            assert r["replace_on_changes"] == sorted(r["replace_on_changes"]) and r["replace_on_changes"]
            assert r.get("delete_before_replace") is True, r["name"]  # fixed Azure names: the old one goes first
        if "ignore_changes" in r:
            assert r["ignore_changes"] == sorted(r["ignore_changes"]) and r["ignore_changes"]
            assert set(r["ignore_changes"]) <= set(r["inputs"]), r["name"]
        assert r["urn"].startswith(f"urn:pulumi:{r['stack']}::consortium::")
        assert r["member"] == (None if r["stack"] == "hub" else r["stack"])
        assert r["dependencies"] == sorted(r["dependencies"])
        assert (r["id"] is None) == (not r["custom"])
        assert set(r["dependencies"]) <= set(urns), f"{r['name']} depends on something not in the plan"
        if r["parent"] is not None and not r["parent"].endswith("pulumi:pulumi:Stack::consortium-" + r["stack"]):
            assert r["parent"] in urns
        if r["provider"] is not None:
            assert r["provider"] in urns
    totals = {s["stack"]: s["resources"] for s in doc["stacks"]}
    assert sum(totals.values()) == len(doc["resources"])
