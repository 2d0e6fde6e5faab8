"""CPE name matching at the edges (NISTIR 7696): each named miss of issue 13 as a test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from mamori.findings.models import Finding, Status
from mamori.findings.tests.helpers import run_rule_jobs
from mamori.intel.matching import HIGH, MEDIUM, InventoryItem, MatchIndex, suggest_cpe
from mamori.intel.model import Advisory, MatchCriterion
from mamori.intel.store import import_advisories
from mamori.intel.vulnmatch import (
    KIND,
    cpe_following_version,
    rematch,
    software_cpe,
    suggest_software_cpe,
)
from mamori.inventory.models import Device, Software


def _index(*criteria: MatchCriterion, cve: str = "CVE-2024-0001") -> MatchIndex:
    return MatchIndex.build([Advisory(source="nvd", cve_ids=[cve], criteria=list(criteria))])


def _exact(cpe: str) -> MatchIndex:
    return _index(MatchCriterion(cpe23=cpe))


@pytest.mark.parametrize(
    "criterion, vendor, product, typed",
    [
        ("cpe:2.3:o:juniper:junos:9.0:r3.3:*:*:*:*:*:*", "Juniper", "Junos", "9.0R3.3"),
        ("cpe:2.3:o:juniper:junos:8.3:r7:*:*:*:*:*:*", "Juniper", "Junos", "8.3R7"),
        (
            "cpe:2.3:a:netapp:clustered_data_ontap:9.8:p7:*:*:*:*:*:*",
            "NetApp",
            "Clustered Data ONTAP",
            "9.8P7",
        ),
        ("cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*", "Apache", "Log4j", "2.0-beta9"),
        ("cpe:2.3:a:apache:log4j:2.0:rc2:*:*:*:*:*:*", "Apache", "Log4j", "2.0 rc2"),
        ("cpe:2.3:a:acme:suite:2019.1:sp1912:*:*:*:*:*:*", "Acme", "Suite", "2019.1 SP1912"),
    ],
)
def test_update_typed_together_with_the_version_matches_nvds_split(
    criterion, vendor, product, typed
):
    index = _exact(criterion)
    item = InventoryItem.from_names("1", vendor, product, typed)
    (match,) = index.match(item)
    assert match.confidence == HIGH and match.kind == "version_exact"
    other = InventoryItem.from_names("2", vendor, product, typed[:-1] + "6")
    assert index.match(other) == []  # another update of the same version is not this one


def test_every_update_of_a_version_matches_a_criterion_whose_update_is_any():
    index = _exact("cpe:2.3:a:netapp:clustered_data_ontap:9.8:*:*:*:*:*:*:*")
    assert index.match(InventoryItem.from_names("1", "NetApp", "Clustered Data ONTAP", "9.8P7"))
    cucm = _exact("cpe:2.3:a:cisco:unified_communications_manager:11.5\\(1\\):*:*:*:*:*:*:*")
    item = "cpe:2.3:a:cisco:unified_communications_manager:11.5\\(1\\)su8:*:*:*:*:*:*:*"
    assert cucm.match(item)
    # where NVD writes this product's updates into the version, "11.5(1)" is the base only
    listed = _index(
        MatchCriterion(
            cpe23="cpe:2.3:a:cisco:unified_communications_manager:11.5\\(1\\):*:*:*:*:*:*:*"
        ),
        MatchCriterion(
            cpe23="cpe:2.3:a:cisco:unified_communications_manager:11.5\\(1\\)su3:*:*:*:*:*:*:*"
        ),
    )
    assert not listed.match(item)
    assert listed.match(item.replace("su8", "su3"))
    uccx = _exact("cpe:2.3:a:cisco:unified_contact_center_express:12.5\\(1\\):-:*:*:*:*:*:*")
    assert not uccx.match(
        "cpe:2.3:a:cisco:unified_contact_center_express:12.5\\(1\\)su2:*:*:*:*:*:*:*"
    )


@pytest.mark.parametrize(
    "criterion, item",
    [
        (
            "cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*",
            "cpe:2.3:a:apache:log4j:2.0:beta8:*:*:*:*:*:*",
        ),
        (
            "cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*",
            "cpe:2.3:a:apache:log4j:2.0-beta8:*:*:*:*:*:*:*",
        ),
        (
            "cpe:2.3:a:netapp:clustered_data_ontap:9.8:-:*:*:*:*:*:*",
            "cpe:2.3:a:netapp:clustered_data_ontap:9.8:p8:*:*:*:*:*:*",
        ),
        (
            "cpe:2.3:a:netapp:clustered_data_ontap:9.8:-:*:*:*:*:*:*",
            "cpe:2.3:a:netapp:clustered_data_ontap:9.8P8:*:*:*:*:*:*:*",
        ),
    ],
)
def test_na_is_not_any(criterion, item):
    assert _exact(criterion).match(item) == []


def test_na_version_is_not_asserted_for_a_versioned_item():
    index = _exact("cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*")
    (versioned,) = index.match("cpe:2.3:o:microsoft:windows_10:21h2:*:*:*:*:*:*:*")
    assert versioned.confidence == MEDIUM and versioned.kind == "all_versions"
    (unknown,) = index.match("cpe:2.3:o:microsoft:windows_10:*:*:*:*:*:*:*:*")
    assert unknown.confidence == MEDIUM
    assert index.match("cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*")[0].confidence == HIGH
    # hardware models carry "-" as their version: any unit of the model
    hardware = _exact("cpe:2.3:h:buffalo:wsr-1166dhp:-:*:*:*:*:*:*:*")
    assert hardware.match("cpe:2.3:h:buffalo:wsr-1166dhp:1.0:*:*:*:*:*:*:*")


def test_na_still_matches_the_plain_version():
    index = _exact("cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*")
    assert index.match("cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*")
    assert index.match("cpe:2.3:a:apache:log4j:2.0:*:*:*:*:*:*:*")


@pytest.mark.parametrize(
    "vendor, product, part",
    [
        ("Fortinet", "FortiOS", "o"),
        ("Palo Alto Networks", "PAN-OS", "o"),
        ("Juniper", "Junos", "o"),
        ("Canonical", "Ubuntu Linux", "o"),
        ("Buffalo", "WSR-1166DHP firmware", "o"),
        ("Apache", "Struts", "a"),
    ],
)
def test_suggested_part_for_operating_systems_and_firmware(vendor, product, part):
    assert suggest_cpe(vendor, product, "1.0").split(":")[2] == part


def test_fortios_is_matched_as_an_operating_system():
    index = _index(
        MatchCriterion(
            cpe23="cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
            version_start_including="7.2.0",
            version_end_excluding="7.2.5",
        )
    )
    assert index.match(InventoryItem.from_names("1", "Fortinet", "FortiOS", "7.2.4"))
    assert not index.match(InventoryItem.from_names("1", "Fortinet", "FortiOS", "7.2.5"))


def _platform_index() -> MatchIndex:
    return _index(
        MatchCriterion(
            cpe23="cpe:2.3:a:zoom:meetings:*:*:*:*:*:*:*:*",
            version_end_excluding="5.14.0",
            platforms=[
                "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*",
                "cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*",
            ],
        )
    )


def test_platform_criterion_with_unknown_os_lowers_confidence_and_says_so():
    (match,) = _platform_index().match(
        InventoryItem("1", "cpe:2.3:a:zoom:meetings:5.13.0:*:*:*:*:*:*:*")
    )
    assert match.confidence == MEDIUM
    assert "microsoft:windows" in match.reason["en"] and "does not record" in match.reason["en"]
    assert "OS が台帳にない" in match.reason["ja"]


def test_platform_criterion_is_evaluated_against_the_device_os():
    index = _platform_index()
    on_windows = InventoryItem(
        "1",
        "cpe:2.3:a:zoom:meetings:5.13.0:*:*:*:*:*:*:*",
        platforms=("cpe:2.3:o:microsoft:windows_11:*:*:*:*:*:*:*:*",),
    )
    (match,) = index.match(on_windows)
    assert match.confidence == HIGH and "only when used on" in match.reason["en"]
    on_linux = InventoryItem(
        "2",
        "cpe:2.3:a:zoom:meetings:5.13.0:*:*:*:*:*:*:*",
        platforms=("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*",),
    )
    assert index.match(on_linux) == []


def test_names_track_nvd():
    assert suggest_cpe("Dreamer CMS", "Dreamer CMS", "4.1.3").startswith(
        "cpe:2.3:a:dreamer_cms_project:dreamer_cms:4.1.3:"
    )
    assert suggest_cpe("Dreamer CMS Project", "Dreamer CMS", "4.1.3").startswith(
        "cpe:2.3:a:dreamer_cms_project:dreamer_cms:"
    )
    assert suggest_cpe("B&R Industrial Automation", "Automation Studio", "4.2").startswith(
        "cpe:2.3:a:b\\&r_industrial_automation:automation_studio:4.2:"
    )
    known = [("o", "paloaltonetworks", "pan-os")]
    assert suggest_cpe("Palo Alto Networks", "PAN-OS", "10.2.3", known=known).startswith(
        "cpe:2.3:o:paloaltonetworks:pan-os:10.2.3:"
    )


def test_cpe_follows_the_register_version():
    stored = "cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*"
    assert cpe_following_version(stored, "2.0-beta9") == stored
    assert cpe_following_version(stored, "2.17.1") == "cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*"
    assert (
        software_cpe("Apache", "Struts", "2.5.33", "cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*")
        == "cpe:2.3:a:apache:struts:2.5.33:*:*:*:*:*:*:*"
    )


# -- through Django ---------------------------------------------------------------------------


def _struts_advisory() -> Advisory:
    return Advisory(
        source="nvd",
        cve_ids=["CVE-2023-50164"],
        title_en="Struts upload",
        criteria=[
            MatchCriterion(
                cpe23="cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*",
                version_start_including="2.0.0",
                version_end_excluding="2.5.33",
            )
        ],
    )


@pytest.mark.django_db(transaction=True)
def test_editing_the_version_in_the_register_changes_the_findings(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    import_advisories([_struts_advisory()])
    software = Software.objects.create(
        organization=org,
        vendor="Apache",
        product="Struts",
        version="2.5.30",
        cpe23="cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*",
    )
    rematch(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    assert finding.status == Status.OPEN
    url = reverse(
        "inventory:edit", kwargs={"org_slug": org.slug, "register": "software", "pk": software.pk}
    )
    response = client_as(members["editor"]).post(
        url,
        {
            "vendor": "Apache",
            "product": "Struts",
            "version": "2.5.33",
            "cpe23": "cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*",  # the stale CPE, as posted
            "notes": "",
        },
    )
    assert response.status_code in (200, 302)
    software.refresh_from_db()
    assert software.cpe23 == "cpe:2.3:a:apache:struts:2.5.33:*:*:*:*:*:*:*"
    run_rule_jobs()  # the rules re-run in a job after the save
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED  # the save re-ran the rule: one re-match


@pytest.mark.django_db
def test_suggestion_learns_names_from_imported_advisories() -> None:
    import_advisories(
        [
            Advisory(
                source="nvd",
                cve_ids=["CVE-2024-3400"],
                criteria=[
                    MatchCriterion(
                        cpe23="cpe:2.3:o:paloaltonetworks:pan-os:10.2.0:*:*:*:*:*:*:*",
                    )
                ],
            )
        ]
    )
    assert suggest_software_cpe("Palo Alto Networks", "PAN OS", "10.2.0") == (
        "cpe:2.3:o:paloaltonetworks:pan-os:10.2.0:*:*:*:*:*:*:*"
    )


@pytest.mark.django_db
def test_platform_from_the_device_os_in_the_register(org: Any) -> None:
    from mamori.intel.vulnmatch import findings_for

    import_advisories(
        [
            Advisory(
                source="nvd",
                cve_ids=["CVE-2023-39213"],
                criteria=_platform_index().advisories[0].criteria,  # type: ignore[union-attr]
            )
        ]
    )
    software = Software.objects.create(
        organization=org, vendor="Zoom", product="Meetings", version="5.13.0"
    )
    (spec,) = findings_for(org)
    assert spec.params["confidence"] == MEDIUM  # no device: the OS is not known
    linux = Device.objects.create(organization=org, name="pc-1", kind="pc", os_name="Ubuntu")
    software.devices.add(linux)
    assert findings_for(org) == []
    windows = Device.objects.create(organization=org, name="pc-2", kind="pc", os_name="Windows 11")
    software.devices.add(windows)
    (spec,) = findings_for(org)
    assert spec.params["confidence"] == HIGH


@pytest.mark.django_db
def test_match_command_without_files_consults_imported_advisories(capsys: Any) -> None:
    from mamori.intel.command import main

    import_advisories([_struts_advisory()])
    code = main(["match", "--cpe", "cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert [m["advisory"]["id"] for m in out["matches"]] == ["CVE-2023-50164"]
    assert main(["match", "--cpe", "cpe:2.3:a:apache:struts:2.5.33:*:*:*:*:*:*:*"]) == 0
