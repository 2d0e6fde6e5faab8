"""Topic surges: a rare term (malware, product or campaign name) several sources start using at
once (handbook §5.1 「一斉に同じ話題について発信し始めます」)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mamori.intel.fetching import store_items
from mamori.intel.model import FeedItem as ParsedItem
from mamori.intel.models import Feed
from mamori.intel.monitoring import current_surges
from mamori.intel.surge import SourcedItem, detect_topic_surges, topic_terms

NOW = dt.datetime(2024, 5, 10, 12, 0, tzinfo=dt.UTC)
WINDOW = dt.timedelta(hours=48)


def sourced(source: str, hours_ago: float, title: str, summary: str = "") -> SourcedItem:
    stamp = NOW - dt.timedelta(hours=hours_ago)
    return SourcedItem(
        source,
        ParsedItem(
            guid=f"{source}-{hours_ago}-{title}",
            title=title,
            link="",
            summary=summary,
            published=stamp,
        ),
    )


def history() -> list[SourcedItem]:
    """Sixty ordinary items from four sources over the previous weeks."""
    out = []
    for n in range(60):
        source = ("ipa", "jpcert", "npa", "vendor")[n % 4]
        out.append(
            sourced(
                source,
                72 + n * 8,
                f"Microsoft の月例セキュリティ更新プログラム {n}",
                "Windows と Office の Update を適用してください。",
            )
        )
    out.append(sourced("vendor", 300, "Emotet 以前の話"))  # one earlier mention is fine
    return out


def test_terms_are_proper_names_and_katakana_runs():
    terms = topic_terms("Emotet と MOVEit、LockBit の「エモテット」に注意 security update CISA")
    assert {"emotet", "moveit", "lockbit", "エモテット"} <= set(terms)
    assert "security" not in terms and "update" not in terms and "cisa" not in terms
    assert terms["moveit"] == "MOVEit"


def test_a_rare_term_several_sources_start_using_is_a_surge():
    window = [
        sourced("ipa", 3, "Emotet の感染に再び注意"),
        sourced("jpcert", 5, "マルウェア Emotet の感染拡大について"),
        sourced("npa", 7, "「Emotet」への警戒を"),
        sourced("ipa", 2, "Microsoft の月例セキュリティ更新プログラム"),
        sourced("jpcert", 1, "Microsoft の月例セキュリティ更新プログラム"),
        sourced("npa", 1, "Microsoft の月例セキュリティ更新プログラム"),
    ]
    surges = detect_topic_surges(window, history(), min_sources=3, window=WINDOW)
    assert [(s.subject, s.kind, s.sources) for s in surges] == [
        ("Emotet", "topic", ["ipa", "jpcert", "npa"])
    ]  # "Microsoft" is everyday news here, not a surge
    assert "Emotet" in surges[0].title["ja"] and "3" in surges[0].title["en"]


def test_no_surge_without_history_below_the_source_count_or_for_excluded_subjects():
    window = [sourced(s, 2, "Emotet が再流行") for s in ("ipa", "jpcert", "npa")]
    assert detect_topic_surges(window, history()[:10], min_sources=3, window=WINDOW) == []
    assert detect_topic_surges(window[:2], history(), min_sources=3, window=WINDOW) == []
    assert detect_topic_surges(window, history(), min_sources=3, exclude=["emotet"]) == []


def test_a_term_two_sources_already_used_is_not_rare():
    earlier = [*history(), sourced("jpcert", 200, "Emotet の以前の流行")]
    window = [sourced(s, 2, "Emotet が再流行") for s in ("ipa", "jpcert", "npa")]
    assert detect_topic_surges(window, earlier, min_sources=3, window=WINDOW) == []


@pytest.mark.django_db
def test_topic_surge_from_the_organisations_feeds(org: Any) -> None:
    feeds = {
        name: Feed.objects.create(organization=org, name=name, url=f"https://{name}.example/rss")
        for name in ("ipa", "jpcert", "npa", "vendor")
    }
    by_source: dict[str, list[ParsedItem]] = {}
    for entry in [
        *history(),
        *(
            sourced(s, 3 + i, f"エモテット {i} に注意")
            for i, s in enumerate(("ipa", "jpcert", "npa"))
        ),
    ]:
        by_source.setdefault(entry.source, []).append(entry.item)
    for name, items in by_source.items():
        store_items(feeds[name], items, NOW)
    subjects = {surge.subject: surge.kind for surge, _ in current_surges(org, NOW)}
    assert subjects.get("エモテット") == "topic"
