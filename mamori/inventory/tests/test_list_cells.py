"""List cells computed once per page (issue 20, "Rendering") show exactly what display() shows
for each register column, in both languages, and the list links each row to its record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import override

from mamori.inventory import models as m
from mamori.inventory.display import cells_for, display
from mamori.inventory.registers import REGISTERS


def _records(org: Any) -> None:
    person = m.Person.objects.create(
        organization=org, name="山田 花子", employment_type="employee", joined_on=date(2019, 4, 1)
    )
    m.Person.objects.create(organization=org, name="佐藤", left_on=date(2024, 3, 31))
    service = m.Service.objects.create(
        organization=org, name="Microsoft 365", mfa_available=True, mfa_enforced=None
    )
    m.Service.objects.create(organization=org, name="Slack", mfa_available=False)
    device = m.Device.objects.create(
        organization=org, name="PC-0001", kind="pc", person=person, os_version="11"
    )
    m.Device.objects.create(organization=org, name="NAS", kind="nas", ownership="byod")
    m.Account.objects.create(
        organization=org, person=person, service=service, username="hanako", mfa_enabled=None
    )
    m.Account.objects.create(
        organization=org, device=device, username="admin", role="admin", mfa_enabled=True
    )
    m.Share.objects.create(
        organization=org, name="名簿.xlsx", service=service, owner=person, scope="public"
    )
    m.Website.objects.create(organization=org, url="https://example.jp/", cms="WordPress")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_cells_match_display_for_every_inventory_register(org: Any, language: str) -> None:
    _records(org)
    checked = 0
    with override(language):
        for spec in REGISTERS.values():
            cells = cells_for(spec.model, spec.list_columns)
            for record in spec.model._default_manager.filter(organization=org):
                assert cells(record) == [display(record, n) for n in spec.list_columns]
                checked += 1
    assert checked >= 10


def test_dates_and_datetimes_are_year_month_day() -> None:
    from mamori.inventory.display import _ymd

    assert _ymd(date(987, 1, 2)) == "0987-01-02"
    assert _ymd(datetime(2025, 12, 31, 23, 59, tzinfo=timezone.get_fixed_timezone(540))) == (
        "2025-12-31"
    )


@pytest.mark.django_db
def test_list_rows_link_to_their_record(org: Any, members: dict[str, Any], client_as: Any) -> None:
    _records(org)
    body = client_as(members["viewer"]).get(f"/o/{org.slug}/inventory/devices/").content.decode()
    for device in m.Device.objects.filter(organization=org):
        assert f'<a href="/o/{org.slug}/inventory/devices/{device.pk}/">{device.name}</a>' in body
    with override("ja"):
        assert f"<td>{m.DeviceKind.NAS.label}</td>" in body  # the kind in the page's language
