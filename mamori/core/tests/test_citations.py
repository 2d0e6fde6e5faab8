"""Citations of the seeds in the reader's language on register pages (one language per page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from mamori.core.templatetags.mamori_tags import cite


def test_cite_turns_the_handbook_citation_into_english_on_english_pages() -> None:
    source = "ハンドブック 第7章 §7.7 / 事故・被害事例「ホームページが書き換えられた」"
    with translation.override("en"):
        assert cite(source) == (
            "Handbook chapter 7 §7.7 / MIC incident case 「ホームページが書き換えられた」"
        )
        assert cite("ハンドブック 第7章 §3, §4") == "Handbook chapter 7 §3, §4"
    with translation.override("ja"):
        assert cite(source) == source


@pytest.mark.django_db
def test_register_pages_cite_the_handbook_in_the_page_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.accounts.services import profile_of

    viewer = members["viewer"]
    client = client_as(viewer)
    for language, expected, absent in (
        ("en", "Handbook chapter 7", "ハンドブック"),
        ("ja", "ハンドブック 第7章", "Handbook chapter"),
    ):
        for url in (f"/o/{org.slug}/inventory/", f"/o/{org.slug}/inventory/people/"):
            profile = profile_of(viewer)
            profile.language = language
            profile.save()
            page = client.get(url).content.decode()
            assert expected in page, (language, url)
            assert absent not in page, (language, url)


def test_lure_evidence_shows_the_label_in_the_page_language_and_keeps_what_was_found() -> None:
    from mamori.core.templatetags.mamori_tags import evidence

    text = "遺産・補償金 / advance fee, inheritance: 'claim your compensation / fund now'"
    with translation.override("en"):
        assert evidence(text) == "advance fee, inheritance: 'claim your compensation / fund now'"
    with translation.override("ja"):
        assert evidence(text) == "遺産・補償金: 'claim your compensation / fund now'"
    assert evidence("From: someone@example.com") == "From: someone@example.com"
