"""The jobs page speaks the reader's language: job names and states as words, the raw error
(which may hold a traceback) only behind 「詳細」."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mamori.core.job_labels import JOB_KIND_LABELS
from mamori.core.jobs import HANDLERS, load_handlers
from mamori.core.models import Job


def test_every_job_kind_has_a_name() -> None:
    load_handlers()
    kinds = {kind for kind in HANDLERS if not kind.startswith("test.")}
    assert kinds and sorted(kinds - set(JOB_KIND_LABELS)) == []


@pytest.mark.django_db
def test_jobs_page_shows_words_and_hides_the_traceback(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    Job.objects.create(
        kind="intel.fetch_feed",
        organization_id=org.pk,
        status="failed",
        attempts=5,
        last_error='Traceback (most recent call last):\n  File "/srv/mamori/intel/x.py", line 3\n'
        "httpx.ConnectTimeout: timed out",
    )
    html = client_as(members["owner"]).get(reverse("core:jobs", args=[org.slug])).content.decode()
    assert "ニュースのフィードの取得" in html and "失敗" in html
    assert "接続がタイムアウトしました。" in html
    visible = html.split("<details>")[0] + "".join(
        part.split("</details>", 1)[-1] for part in html.split("<details>")[1:]
    )
    assert "Traceback" not in visible and ".py" not in visible and "intel.fetch_feed" not in visible
    assert "失敗 / failed" not in html


@pytest.mark.django_db
def test_jobs_page_names_the_queue_in_the_readers_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    Job.objects.create(
        kind="intel.sync_nvd", queue="bulk", organization_id=org.pk, status="failed", attempts=5
    )
    Job.objects.create(kind="notify.deliver", queue="urgent", organization_id=org.pk)
    owner = client_as(members["owner"])
    html = owner.get(reverse("core:jobs", args=[org.slug])).content.decode()
    assert "キュー" in html and "一括" in html and "至急" in html
    assert ">bulk<" not in html and ">urgent<" not in html
    owner.post(reverse("set_language"), {"language": "en"})
    html = owner.get(reverse("core:jobs", args=[org.slug])).content.decode()
    assert "Queue" in html and "Bulk" in html and "Urgent" in html
