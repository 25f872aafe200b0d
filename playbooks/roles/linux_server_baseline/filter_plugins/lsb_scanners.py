"""Filters of the baseline audit's scanner opt-in (tasks/scanners.yml): reduce a host's Lynis report
and OpenSCAP results, fetched to the controller, to what its evidence keeps.

They parse with the toolkit's own code (consortium.audit.scanners), so the audit, the lab tests and
bench/hardening_score.py judge a report alike: the controller running the audit needs the toolkit
installed (it does, to read the evidence). Imported lazily: the role's other tasks need none of it.
"""

from __future__ import annotations

from pathlib import Path

from ansible.errors import AnsibleFilterError


def lynis_evidence(text, shown="lynis-report.dat"):
    """The evidence's ``lynis`` object from the text of a Lynis report."""
    from consortium.audit.scanner_evidence import reduce_lynis
    from consortium.audit.scanners import parse_lynis_report
    from consortium.registry.errors import InputError

    try:
        return reduce_lynis(parse_lynis_report(str(text), str(shown)))
    except InputError as exc:
        raise AnsibleFilterError(str(exc)) from None


def oscap_evidence(path, shown=None):
    """The evidence's object for one OpenSCAP profile from an ARF file on the controller."""
    from consortium.audit.scanner_evidence import reduce_oscap
    from consortium.audit.scanners import parse_arf
    from consortium.registry.errors import InputError

    try:
        return reduce_oscap(parse_arf(Path(str(path)), str(shown) if shown else None))
    except InputError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"lsb_lynis_evidence": lynis_evidence, "lsb_oscap_evidence": oscap_evidence}
