"""A synthetic consortium of N members (351 by default: every municipality of Massachusetts).

Shared by the bench scripts: supernet 10.0.0.0/8, one /20 per member allocated with the
registry's own IPAM, phases 1-4 in turn (or one fixed phase), one or two town-hall sites each,
a Windows domain controller each (and more servers on request: bench/audit_scale.py's host evidence).
"""

from __future__ import annotations

import ipaddress
from datetime import date
from pathlib import Path

import yaml

from consortium.registry.ipam import allocate

BUDGET_START = date(2026, 1, 1)
# A member's servers after its domain controller, in turn: (name prefix, os, role); Linux and Windows
# alternate, so the evidence of both baseline roles scales with the servers per member.
MORE_SERVERS = (
    ("app", "ubuntu-24.04", "application"),
    ("fs", "windows-server-2022", "file"),
    ("db", "debian-12", "database"),
    ("web", "rocky-9", "web"),
    ("print", "windows-server-2019", "print"),
)
CONSORTIUM = {
    "name": "Synthetic State Municipal IT Consortium",
    "slug": "synthetic",
    "azure": {"locations": ["centralus", "eastus2"]},
    "network": {"supernet": "10.0.0.0/8", "member_prefix": 20, "hub": "10.0.0.0/20"},
    "backup": {"default_retention_days": 35, "minimum_retention_days": 30},
    "log_retention_days": 90,
    "phases": [
        {"phase": 1, "name": "Service desk", "services": ["service_desk"]},
        {"phase": 2, "name": "Backup", "services": ["backup"]},
        {"phase": 3, "name": "Identity", "services": ["identity"]},
        {"phase": 4, "name": "Networking", "services": ["networking"]},
    ],
    "contacts": {
        "service_desk": "servicedesk@synthetic.example",
        "billing": "finance@synthetic.example",
        "security": "security@synthetic.example",
    },
    "identity": {"upn_domains": ["synthetic.example"]},
    "operations": {
        "log_collector": {"host": "logs.synthetic.example"},
        "ntp_servers": ["time.synthetic.example"],
        "offsite_store": {"endpoint": "https://s3.synthetic.example", "bucket": "synthetic-offsite"},
        "windows": {"auth": "ntlm", "ca_cert": "/etc/consortium/pki/consortium-ca.pem"},
    },
    "costs": {
        "shared_monthly": 250000,
        "weights": {"equal": 0.2, "population": 0.5, "endpoints": 0.3},
    },
}


def build_registry(root: Path, members: int, phase: int | None = None, servers: int = 1) -> None:
    """Write consortium.yaml and ``members`` member files, each with a freshly allocated /20 and
    ``servers`` servers (default 1, the domain controller: the other benches' registry; more servers
    raise each member's budget and inventory, so only the audit bench asks for them)."""
    (root / "members").mkdir(parents=True)
    (root / "consortium.yaml").write_text(yaml.safe_dump(CONSORTIUM, sort_keys=False))
    supernet = ipaddress.ip_network("10.0.0.0/8")
    taken = [ipaddress.ip_network("10.0.0.0/20")]
    site_ranges = ipaddress.ip_network("172.16.0.0/12").subnets(new_prefix=24)
    for i in range(members):
        slug = f"town-{i:03d}"
        cidr = allocate(supernet, 20, taken, who=slug)
        taken.append(cidr)
        sites = [
            {
                "name": name,
                "public_ip": f"66.{100 + i // 200}.{i % 200}.{k + 1}",
                "cidrs": [str(next(site_ranges))],
            }
            for k, name in enumerate(["town-hall", "public-works"][: 1 + i % 2])
        ]
        member = {
            "slug": slug,
            "name": f"Town {i:03d}",
            "kind": "town",
            "population": 1000 + 37 * i,
            "joined": "2024-01-01",
            "status": "active",
            "phase": phase or 1 + i % 4,
            "contacts": {"it_lead": f"it@{slug}.example", "billing": f"clerk@{slug}.example"},
            "admins": [f"admin.{slug}@synthetic.example"],
            "network": {"cidr": str(cidr), "onprem": sites},
            "endpoints": {"windows": 20 + i % 50},
            "servers": [
                {"name": f"t{i:03d}-dc01", "os": "windows-server-2022", "role": "domain-controller"},
                *(
                    {"name": f"t{i:03d}-{prefix}{1 + k // len(MORE_SERVERS):02d}", "os": os_, "role": role}
                    for k, (prefix, os_, role) in ((k, MORE_SERVERS[k % len(MORE_SERVERS)]) for k in range(servers - 1))
                ),
            ],
        }
        (root / "members" / f"{slug}.yaml").write_text(yaml.safe_dump(member, sort_keys=False))
