"""The demo shows a finished drill (a scanner's click filtered out, one real click, one report)
and the training findings; its pages read in one language at a time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mamori.core import demo
from mamori.findings.models import Finding
from mamori.training.models import Drill

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str) -> Client:
    from mamori.accounts.services import profile_of

    profile = profile_of(user)
    profile.language = language
    profile.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_demo_drill_results_in_japanese_and_english() -> None:
    ctx = demo.run()
    drill = Drill.objects.get(organization=ctx.org)
    rows = {r.name: r for r in drill.recipients.all()}
    assert sum(r.machine_events > 0 and r.clicked_at is None for r in rows.values()) == 1
    assert sum(r.clicked_at is not None for r in rows.values()) == 1
    assert sum(r.reported_at is not None for r in rows.values()) == 1
    assert Finding.objects.filter(organization=ctx.org, kind__startswith="training.").count() >= 2

    url = reverse("training:drill_detail", kwargs={"org_slug": ctx.org.slug, "pk": drill.pk})
    ja = _client(ctx.users["owner"], "ja").get(url).content.decode()
    assert "メールの検査装置によるアクセス（除外）" in ja
    assert "3人中、1人がメールを報告、1人がクリック" in ja
    en = _client(ctx.users["owner"], "en").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    main = en[en.index('<main id="main">') : en.index("</main>")]
    assert "Access by a mail scanner (excluded)" in main
    # English page: our own words are English; only names the user entered are Japanese.
    entered = {drill.name, *rows, *(r.department for r in rows.values())}
    entered |= {r.training.title for r in rows.values() if r.training}
    text = re.sub(r"<[^>]+>", " ", main)
    for value in entered:
        text = text.replace(value, " ")
    assert not re.search(r"[\u3040-\u30ff]", text), text
