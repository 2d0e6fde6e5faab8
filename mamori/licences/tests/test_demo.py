"""The demo shows the feature: an NC photo on the company website is a finding, and a sample
sign-in report leaves apps to review and an unapproved service holding personal data."""

from __future__ import annotations

from typing import Any

import pytest

from mamori.core.demo import DemoContext
from mamori.findings.models import Finding, Status
from mamori.inventory.models import Approval, Service
from mamori.licences.models import DiscoveredApp


@pytest.mark.django_db
def test_demo_builder_shows_licences_and_shadow_it(org: Any) -> None:
    from mamori.inventory import demo as inventory_demo
    from mamori.licences import demo

    ctx = DemoContext(org=org, users={}, passwords={})
    inventory_demo.build(ctx)
    demo.build(ctx)
    nc = Finding.objects.get(organization=org, kind="licences.nc_commercial")
    assert nc.status == Status.OPEN and "トップページ" in nc.subject
    assert Finding.objects.filter(
        organization=org, kind="licences.model_release_missing", status=Status.OPEN
    ).exists()
    dropbox = Service.objects.get(organization=org, name="Dropbox")
    assert dropbox.approval == Approval.NOT_APPROVED
    assert Finding.objects.filter(
        organization=org,
        kind="shadowit.unapproved_service",
        subject_id=str(dropbox.pk),
        status=Status.OPEN,
    ).exists()
    pending = set(
        DiscoveredApp.objects.filter(
            organization=org, service__isnull=True, dismissed_at__isnull=True
        ).values_list("name", flat=True)
    )
    assert pending == {"Canva", "freee会計"}
