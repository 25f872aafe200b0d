"""consortium.audit.scanners: Lynis reports and OpenSCAP ARF results as the lab, the bench and the
audit read them; a bad file is one InputError naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from consortium.audit.scanners import parse_arf, parse_lynis_report
from consortium.registry.errors import InputError

LYNIS = """# Lynis Report
report_version_major=1
tests_executed=SSH-7408|KRNL-5820|NETW-3200|AUTH-9230|
warning[]=PKGS-7388|Can't find any security repository|-|-|
suggestion[]=SSH-7408|Consider hardening SSH configuration|MaxSessions (10 --> 2)|-|
suggestion[]=NETW-3200|Determine if protocol 'dccp' is really needed on this system|-|-|
hardening_index=79
"""

ARF = """<?xml version="1.0"?>
<arf:asset-report-collection xmlns:arf="http://scap.nist.gov/schema/asset-reporting-format/1.1"
    xmlns:x="http://checklists.nist.gov/xccdf/1.2">
 <arf:reports><arf:report id="r"><arf:content>
  <x:TestResult id="t">
   <x:profile idref="xccdf_org.ssgproject.content_profile_anssi_bp28_intermediary"/>
   <x:rule-result idref="xccdf_org.ssgproject.content_rule_file_permissions_sshd_config">
    <x:result>pass</x:result></x:rule-result>
   <x:rule-result idref="xccdf_org.ssgproject.content_rule_sshd_disable_root_login">
    <x:result>fail</x:result></x:rule-result>
   <x:rule-result idref="xccdf_org.ssgproject.content_rule_partition_for_var">
    <x:result>notapplicable</x:result></x:rule-result>
  </x:TestResult>
 </arf:content></arf:report></arf:reports>
</arf:asset-report-collection>
"""


def test_lynis_report_index_findings_and_passed_tests() -> None:
    report = parse_lynis_report(LYNIS)
    assert report.hardening_index == 79
    assert report.warnings == (("PKGS-7388", "Can't find any security repository"),)
    assert [tid for tid, _ in report.suggestions] == ["SSH-7408", "NETW-3200"]
    assert report.passed("KRNL-5820") and report.passed("AUTH-9230")
    assert not report.passed("SSH-7408")  # a suggestion
    assert not report.passed("USB-1000")  # never ran: no proof


@pytest.mark.parametrize(
    ("text", "field"),
    [("tests_executed=A|\n", "hardening_index"), ("hardening_index=high\n", "hardening_index")],
)
def test_a_bad_lynis_report_is_one_line_naming_the_file(text: str, field: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_lynis_report(text, "h1:/var/log/lynis-report.dat")
    assert str(exc.value).startswith(f"h1:/var/log/lynis-report.dat: {field}: ")


def test_arf_rule_results_without_ssg_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "arf.xml"
    path.write_text(ARF)
    res = parse_arf(path)
    assert res.profile == "anssi_bp28_intermediary"
    assert res.results == {
        "file_permissions_sshd_config": "pass",
        "sshd_disable_root_login": "fail",
        "partition_for_var": "notapplicable",
    }
    assert res.count("pass") == 1 and res.failing == ["sshd_disable_root_login"]


@pytest.mark.parametrize(
    ("content", "field"),
    [("<a><b></a>", "xml"), ("<a/>", "rule-result"), (None, "file")],
)
def test_a_bad_arf_is_one_line_naming_the_file(tmp_path: Path, content: str | None, field: str) -> None:
    path = tmp_path / "arf.xml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as exc:
        parse_arf(path, "h1:arf.xml")
    assert str(exc.value).startswith(f"h1:arf.xml: {field}: ")
