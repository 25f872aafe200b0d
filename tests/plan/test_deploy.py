"""Deploying one stack (consortium/plan/deploy.py): the project files and secrets checked before `pulumi up`."""

from __future__ import annotations

import pytest

from consortium.plan import deploy
from consortium.registry.errors import InputError


def test_deploy_checks_the_project_files(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    with pytest.raises(InputError) as err:
        deploy.up(tmp_path, "verona")
    assert [str(p) for p in err.value.problems] == [
        f"Pulumi.yaml: not found in {tmp_path.resolve()} (point --registry at the registry root)",
        "stacks/Pulumi.verona.yaml: stack config not rendered; run: consortium render",
    ]


def test_deploy_requires_the_vpn_secrets_of_a_networked_member(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: consortium\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.verona.yaml").write_text(
        "config:\n  consortium:vpn-psk-police:\n    secure: AAABAxyz\n"
    )
    deploy.check_project(tmp_path, "verona", ["vpn-psk-police"])
    with pytest.raises(InputError) as err:
        deploy.check_project(tmp_path, "verona", ["vpn-psk-city-hall", "vpn-psk-police"])
    assert [str(p) for p in err.value.problems] == [
        "stacks/Pulumi.verona.yaml: config.consortium:vpn-psk-city-hall: not set; "
        "run: pulumi config set --secret vpn-psk-city-hall --stack verona"
    ]
