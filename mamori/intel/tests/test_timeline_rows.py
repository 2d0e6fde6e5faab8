"""Timeline rows after issue 20 ("Rendering"): one read/unread form for the page whose row
buttons post to their own item's URL, the other sources of an article, the time in the
organisation's zone."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.utils import timezone

from mamori.intel.models import Feed, FeedItem, ItemRead


def _buttons(body: str) -> dict[str, str]:
    """formaction -> the button's whole tag, for the row buttons of the page's one form."""
    return {
        unescape(m.group(1)): m.group(0)
        for m in re.finditer(r'<button [^>]*form="item-read" formaction="([^"]+)"[^>]*>', body)
    }


@pytest.mark.django_db
def test_row_buttons_post_the_page_form_to_their_item_and_toggle(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    first = Feed.objects.create(organization=org, name="Feed A", url="https://a.example/f")
    second = Feed.objects.create(organization=org, name="Feed B", url="https://b.example/f")
    # 2025-01-31 23:30 UTC is 2025-02-01 08:30 in Tokyo.
    published = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.UTC)
    item = FeedItem.objects.create(
        organization=org, feed=first, guid="a1", title="記事 A", published=published
    )
    FeedItem.objects.create(
        organization=org,
        feed=second,
        guid="b1",
        title="記事 A",
        published=published,
        duplicate_of=item,
        primary=False,
    )
    other = FeedItem.objects.create(
        organization=org, feed=second, guid="b2", title="記事 B", published=timezone.now()
    )
    client = client_as(members["viewer"])
    body = client.get(f"/o/{org.slug}/intel/").content.decode()
    assert body.count('<form method="post" id="item-read">') == 1
    assert body.count("csrfmiddlewaretoken") == 4  # sign-out, language, read-all, item-read
    url = f"/o/{org.slug}/intel/items/{item.pk}/read/"
    buttons = _buttons(body)
    assert set(buttons) == {url, f"/o/{org.slug}/intel/items/{other.pk}/read/"}
    assert 'name="unread"' not in buttons[url]
    assert "2025-02-01 08:30" in body
    assert "Feed B" in body.split("記事 A")[0].rsplit("<tr", 1)[1]  # the "also in" line
    # The button's post: the page form's fields plus the button's own name and value.
    page = f"/o/{org.slug}/intel/?q=%E8%A8%98%E4%BA%8B"
    response = client.post(url, {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert ItemRead.objects.filter(user=members["viewer"], item=item).exists()
    body = client.get(f"/o/{org.slug}/intel/").content.decode()
    assert 'name="unread" value="1"' in _buttons(body)[url]
    assert 'name="unread"' not in _buttons(body)[f"/o/{org.slug}/intel/items/{other.pk}/read/"]
    client.post(url, {"next": page, "unread": "1"})
    assert not ItemRead.objects.filter(user=members["viewer"], item=item).exists()


@pytest.mark.django_db
def test_advisory_rows_show_title_in_the_page_language_clipped_ids_kev_and_dates(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.intel.models import Advisory

    cves = " ".join(f"CVE-2025-{n:05d}" for n in range(10))  # 159 characters
    advisory = Advisory.objects.create(
        advisory_id="JVNDB-2025-000001",
        cve_ids=cves,
        title_ja="認証回避の脆弱性",
        title_en="Authentication bypass",
        cvss_score=9.8,
        severity="critical",
        kev=True,
        kev_due_date=dt.date(2025, 3, 1),
        published=dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.UTC),  # 2025-02-01 in Tokyo
    )
    Advisory.objects.create(
        advisory_id="CVE-2025-99999", cve_ids="CVE-2025-99999", title_en="Only English"
    )
    client = client_as(members["viewer"])
    body = client.get(f"/o/{org.slug}/intel/advisories/").content.decode()
    row = body.split(f'<a href="/o/{org.slug}/intel/advisories/{advisory.pk}/">')[1]
    row = row.split("</tr>")[0]
    assert f'<span class="muted">{cves[:59]}…</span>' in row
    assert "<td>認証回避の脆弱性</td>" in row and '<span class="sev sev-critical">9.8</span>' in row
    assert "(2025-03-01)" in row and "<td>2025-02-01</td>" in row
    other = body.split(">CVE-2025-99999</a>")[1].split("</tr>")[0]
    assert "muted" not in other and "<td>Only English</td>" in other  # no repeated id
    client.post("/i18n/setlang/", {"language": "en"})
    english = client.get(f"/o/{org.slug}/intel/advisories/").content.decode()
    assert "<td>Authentication bypass</td>" in english
