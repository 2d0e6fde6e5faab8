"""The feed presets: NISC's new name (内閣官房 国家サイバー統括室, since 2025-07-01)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps

from mamori.intel.models import Feed
from mamori.intel.presets import CHECKED_ON, PRESETS_BY_KEY
from mamori.intel.services import set_preset


def test_nisc_preset_carries_the_new_name_and_a_checked_address():
    preset = PRESETS_BY_KEY["nisc"]
    assert preset.name == "内閣官房 国家サイバー統括室 新着情報"
    assert preset.url == "https://www.nisc.go.jp/rss/nisc.rdf"
    assert CHECKED_ON == "2026-12-06"


@pytest.mark.django_db
def test_switching_the_nisc_preset_on_uses_the_new_name(org: Any) -> None:
    feed = set_preset(org, "nisc", True)
    assert feed.name.startswith("内閣官房 国家サイバー統括室")


@pytest.mark.django_db
def test_migration_moves_feeds_still_on_the_old_nisc_preset(org: Any) -> None:
    migration = importlib.import_module("mamori.intel.migrations.0003_nisc_preset_renamed")
    old = Feed.objects.create(
        organization=org, preset="nisc", name=migration.OLD_NAME, url=migration.OLD_URL
    )
    renamed = Feed.objects.create(
        organization=org, preset="nisc", name="うちの NISC", url="https://nisc.example/own.rdf"
    )
    migration.forwards(django_apps, None)
    old.refresh_from_db()
    renamed.refresh_from_db()
    assert (old.name, old.url) == (migration.NEW_NAME, migration.NEW_URL)
    assert (renamed.name, renamed.url) == ("うちの NISC", "https://nisc.example/own.rdf")
