"""Filters of the linux_server_baseline role (Python's ipaddress: no netaddr on the controller).

Filters both baselines use (consortium_invalid_cidrs) are in playbooks/filter_plugins.
"""

from __future__ import annotations

import ipaddress


def ip_in_networks(address, cidrs):
    """True when ``address`` lies in one of ``cidrs`` (IPv4/IPv6; bad entries never match)."""
    try:
        ip = ipaddress.ip_address(str(address).strip())
    except ValueError:
        return False
    for cidr in cidrs or []:
        try:
            net = ipaddress.ip_network(str(cidr).strip(), strict=False)
        except ValueError:
            continue
        if ip.version == net.version and ip in net:
            return True
    return False


def cidrs_of_version(cidrs, version):
    """The entries of ``cidrs`` that are networks of IP ``version`` (4 or 6), normalised."""
    out = []
    for cidr in cidrs or []:
        net = ipaddress.ip_network(str(cidr).strip(), strict=False)
        if net.version == int(version):
            out.append(str(net))
    return out


def sysctl_writable(params, readonly):
    """``params`` (key -> value) without the keys listed in ``readonly`` (exact or "prefix.")."""
    ro = list(readonly or [])
    return {
        k: v for k, v in (params or {}).items() if not any(k == r or (r.endswith(".") and k.startswith(r)) for r in ro)
    }


def sysctl_parse(lines):
    """``sysctl`` output lines ("key = value") as a dict; whitespace inside values is normalised."""
    out = {}
    for line in lines or []:
        key, sep, value = str(line).partition("=")
        if sep:
            out[key.strip()] = " ".join(value.split())
    return out


def sysctl_drift(wanted, current):
    """The keys of ``wanted`` that exist in ``current`` with another value, as "key=value" strings."""
    return [
        f"{k}={v}" for k, v in (wanted or {}).items() if k in (current or {}) and " ".join(str(v).split()) != current[k]
    ]


def sshd_mismatch(item, effective):
    """ "" when ``sshd -T`` (``effective``: key -> value) has ``item`` ({key, value}), else a problem text."""
    key, want = item["key"], str(item["value"]).strip()
    got = (effective or {}).get(key)
    if got is not None and got.strip().lower() == want.lower():
        return ""
    return f"{key}: want {want!r}, effective {got!r}"


def set_keys(text, settings, separator="\t", key_end=None):
    """``text`` (a KEY value file such as login.defs) with each key of ``settings`` set: the first active
    line of a key gets the value, later active lines of it are dropped, a missing key is appended.
    Comments and every other line stay as they are, so the distribution's file keeps its other settings.
    Applying it again gives the same text (the role's second run changes nothing).
    With ``key_end`` (":" for /etc/aliases) a line's key runs up to that character, spaces or not, and is
    compared without case (the mail system reads "root:x", "root: x" and "Root: x" alike)."""
    wanted = {str(k): str(v) for k, v in (settings or {}).items()}
    seen = set()
    out = []
    for line in str(text or "").splitlines():
        fields = line.split()
        key = fields[0] if fields and not fields[0].startswith("#") else None
        if key is not None and key_end and key_end in line:
            key = line.split(key_end, 1)[0].strip().lower() + key_end
        if key in wanted:
            if key not in seen:
                out.append(f"{key}{separator}{wanted[key]}")
                seen.add(key)
            continue
        out.append(line)
    missing = [k for k in wanted if k not in seen]
    if missing:
        out.append("# Set by linux_server_baseline (keys the file did not have):")
        out.extend(f"{k}{separator}{wanted[k]}" for k in missing)
    return "\n".join(out) + "\n"


def with_leading_block(text, block, begin, end):
    """``text`` (an sshd_config) with ``block`` (the baseline's settings, between the ``begin`` and ``end``
    marker lines) at its top: an earlier copy of the block is taken out, and so are the file's own active
    lines, before its first ``Match``, of the keywords the block sets (the first value sshd reads wins,
    so they were dead; dropped, a scanner reading the file sees one value per keyword). Everything else -
    the ``Include`` of sshd_config.d, ``Subsystem``, ``Match`` blocks, comments - stays, after the block.
    Applying it again gives the same text (the role's second run changes nothing)."""
    block_lines = str(block or "").strip("\n").splitlines()
    keywords = {line.split()[0].lower() for line in block_lines if line.strip() and not line.lstrip().startswith("#")}
    rest, inside, in_match = [], False, False
    for line in str(text or "").splitlines():
        if line.strip() == begin:
            inside = True
            continue
        if inside:
            inside = line.strip() != end
            continue
        fields = line.split()
        if fields and fields[0].lower() == "match":
            in_match = True
        if fields and not in_match and not fields[0].startswith("#") and fields[0].lower() in keywords:
            continue
        rest.append(line)
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join([begin, *block_lines, end, "", *rest]).rstrip("\n") + "\n"


def ageing_drift(accounts, spared, max_days, min_days, warn_days):
    """The accounts (from the state probe) with a usable password, not in ``spared``, whose password
    ageing (max/min/warn days) differs from the wanted one: the only ones LNX-PWD-003 may change."""
    want = (int(max_days), int(min_days), int(warn_days))
    return [
        a
        for a in accounts or []
        if a.get("usable_password")
        and a.get("name") not in set(spared or [])
        and (a.get("max_days"), a.get("min_days"), a.get("warn_days")) != want
    ]


def statoverride_drift(programs, owner, group, mode):
    """The real files behind ``programs`` (the state probe's ``statoverride`` section) whose dpkg override
    or whose own owner, group or mode is not exactly the wanted one, each once (cc and gcc may share one)."""
    want = {"owner": str(owner), "group": str(group), "mode": f"{int(str(mode), 8):04o}"}
    drift = []
    for program in (programs or {}).values():
        have = {k: program.get(k) for k in want}
        if (program.get("override") != want or have != want) and program["real"] not in drift:
            drift.append(program["real"])
    return drift


def batch_files(files, concerns, switches, contents):
    """The file specs of the batch write: each group of ``files`` whose concern (``concerns``: group
    -> concern) is switched on; groups named in ``contents`` get that text as their content (their
    content comes from the state probe, not from a template)."""
    out = []
    for group, concern in (concerns or {}).items():
        if not (switches or {}).get(concern):
            continue
        for spec in files[group]:
            out.append({**spec, "content": contents[group]} if group in (contents or {}) else dict(spec))
    return out


def pam_profiles_due(profiles, counts, changed_files, switches, run_tags, skip_tags):
    """The pam-auth-update profiles to enable now, by the control they serve ({control: [profile names]}).

    A profile (``profiles``: [{control, concern, tags, names, counts: {pam file: lines wanted}}]) is due
    when its concern is switched on, its tags are selected by the run (``--tags``/``--skip-tags``: only
    the selected controls write), and either one of its files in /usr/share/pam-configs changed in this
    run (``changed_files``: pam-auth-update builds the stack from them) or the state probe counted another
    number of its module's lines in the PAM stack (``counts``: it is not enabled, or not as wanted)."""
    run, skip = set(run_tags or ["all"]), set(skip_tags or [])
    changed = {f for f in changed_files or [] if str(f).startswith("/usr/share/pam-configs/")}
    due = {}
    for profile in profiles or []:
        tags = {profile["control"], profile["concern"], *profile.get("tags", [])}
        selected = bool(run & {"all", "tagged"} or run & tags) and not skip & tags
        if not (switches or {}).get(profile["concern"]) or not selected:
            continue
        files_changed = any(f"/usr/share/pam-configs/{name}" in changed for name in profile["names"])
        miscounted = any((counts or {}).get(path) != int(want) for path, want in profile["counts"].items())
        if files_changed or miscounted:
            due[profile["control"]] = list(profile["names"])
    return due


class FilterModule:
    def filters(self):
        return {
            "lsb_ip_in_networks": ip_in_networks,
            "lsb_cidrs_of_version": cidrs_of_version,
            "lsb_sysctl_writable": sysctl_writable,
            "lsb_sysctl_parse": sysctl_parse,
            "lsb_sysctl_drift": sysctl_drift,
            "lsb_sshd_mismatch": sshd_mismatch,
            "lsb_set_keys": set_keys,
            "lsb_with_leading_block": with_leading_block,
            "lsb_ageing_drift": ageing_drift,
            "lsb_batch_files": batch_files,
            "lsb_statoverride_drift": statoverride_drift,
            "lsb_pam_profiles_due": pam_profiles_due,
        }
