"""Network filters every role of the consortium uses (Python's ipaddress: no netaddr on the controller).

Ansible loads a role's filter_plugins by path, so one role's plugin cannot import another's: the
shared ones live here, found through ``filter_plugins`` in ansible.cfg and, for the playbooks beside
this directory, as their adjacent plugins.
"""

from __future__ import annotations

import ipaddress


def invalid_cidrs(cidrs):
    """The entries of ``cidrs`` that are not valid IPv4/IPv6 networks."""
    bad = []
    for cidr in cidrs or []:
        try:
            ipaddress.ip_network(str(cidr).strip(), strict=False)
        except ValueError:
            bad.append(str(cidr))
    return bad


class FilterModule:
    def filters(self):
        return {"consortium_invalid_cidrs": invalid_cidrs}
