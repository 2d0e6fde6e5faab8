"""An operating system past its vendor's end of support is found without anyone typing it:
Windows 10 ended on 2025-10-14."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mamori.findings.models import Finding
from mamori.findings.rules import RULES, load_rules
from mamori.findings.services import run_rule
from mamori.inventory.lifecycle import end_of_support, is_out_of_support
from mamori.inventory.models import Device


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        ("Windows 10 Pro", "22H2", ("10", dt.date(2025, 10, 14))),
        ("Windows", "10.0.19045", ("10", dt.date(2025, 10, 14))),
        ("Windows", "10.0.22631.4460", ("11 23H2", dt.date(2025, 11, 11))),
        ("Windows Server 2012 R2", "", ("Server 2012 R2", dt.date(2023, 10, 10))),
        ("macOS", "12.7.4", ("12", dt.date(2024, 9, 16))),
        ("macOS", "10.15.7", ("10.15", dt.date(2022, 9, 12))),
        ("Ubuntu", "20.04.6 LTS", ("20.04", dt.date(2025, 5, 31))),
        ("Windows 11", "", None),  # the release is unknown: not guessed
        ("macOS Sonoma", "14.5", None),
        ("iOS", "17", None),
    ],
)
def test_end_of_support_lookup(name: str, version: str, expected: Any) -> None:
    found = end_of_support(name, version)
    assert (found and (found.version, found.ends)) == expected


def test_windows_1_is_not_windows_11() -> None:
    assert end_of_support("Windows", "1") is None
    assert not is_out_of_support("Windows Server", "2022", today=dt.date(2026, 12, 6))
    assert is_out_of_support("Windows", "10", today=dt.date(2025, 10, 14))
    assert not is_out_of_support("Windows", "10", today=dt.date(2025, 10, 13))


@pytest.mark.django_db
def test_windows_10_pc_is_a_finding_without_the_box_ticked(org: Any) -> None:
    load_rules()
    Device.objects.create(
        organization=org, name="PC-10", os_name="Windows 10 Pro", os_version="22H2"
    )
    Device.objects.create(organization=org, name="PC-11", os_name="Windows 11 Pro", os_version="")
    Device.objects.create(
        organization=org, name="PC-old", os_name="社内システム", os_supported=False
    )
    run_rule(org, RULES.get("inventory.device_os_unsupported"))
    found = {
        f.subject: f
        for f in Finding.objects.filter(organization=org, kind="inventory.device_os_unsupported")
    }
    assert set(found) == {"PC-10", "PC-old"}
    facts = {item["kind"]: item for item in found["PC-10"].evidence}
    assert facts["lifecycle"]["id"] == "2025-10-14"
