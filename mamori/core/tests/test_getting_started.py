"""A new organisation is guided, not congratulated: the dashboard shows a getting-started
checklist that fills in as each step is done, and a new organisation starts with the official
Japanese news sources switched on."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mamori.intel.models import Feed
from mamori.intel.presets import PRESETS
from mamori.inventory.models import Person


@pytest.mark.django_db
def test_checklist_fills_in_and_disappears(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    url = reverse("core:dashboard", args=[org.slug])
    html = owner.get(url).content.decode()
    assert 'data-testid="getting-started"' in html and "5 件中 0 件完了" in html
    assert reverse("inventory:list", kwargs={"org_slug": org.slug, "register": "people"}) in html
    todo = owner.get(reverse("findings:todo", args=[org.slug])).content.decode()
    assert "お疲れさまでした" not in todo and "はじめにやること" in todo

    Person.objects.create(organization=org, name="伊藤 健")
    assert "5 件中 1 件完了" in owner.get(url).content.decode()


@pytest.mark.django_db
def test_first_run_switches_on_the_japanese_sources(db: Any) -> None:
    client = Client()
    response = client.post(
        "/setup/",
        {
            "organization": "さくら商店",
            "full_name": "桜井 花子",
            "email": "hanako@example.jp",
            "password1": "correct-horse-battery-42",
            "password2": "correct-horse-battery-42",
        },
    )
    assert response.status_code == 302
    enabled = set(Feed.objects.filter(enabled=True).values_list("preset", flat=True))
    assert enabled == {preset.key for preset in PRESETS if preset.default_on}
    assert enabled  # at least IPA, JPCERT/CC and JVN


@pytest.mark.django_db
def test_new_organisation_from_the_menu_gets_the_sources_too(
    members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    response = owner.post(reverse("orgs:list"), {"name": "支店"})
    assert response.status_code == 302
    assert Feed.objects.filter(organization__name="支店", enabled=True).exists()
