from __future__ import annotations

import datetime as dt

from mamori.intel.model import FeedItem
from mamori.intel.surge import SourcedItem, dedupe, detect_surges, normalise_link

T0 = dt.datetime(2024, 5, 1, 0, 0, tzinfo=dt.UTC)


def item(
    source: str, hours: float, title: str, ids: list[str] | None = None, link: str = ""
) -> SourcedItem:
    return SourcedItem(
        source,
        FeedItem(
            guid=f"{source}-{hours}",
            title=title,
            link=link or f"https://{source}.example/{hours}",
            summary="",
            published=T0 + dt.timedelta(hours=hours),
            ids=ids or [],
        ),
    )


def test_surge_needs_distinct_sources_inside_the_window():
    items = [
        item("jpcert", 0, "a", ["CVE-2024-3400"]),
        item("jpcert", 1, "b", ["CVE-2024-3400"]),  # same source twice counts once
        item("ipa", 5, "c", ["CVE-2024-3400"]),
        item("nisc", 30, "d", ["CVE-2024-3400"]),
        item("vendor", 80, "e", ["CVE-2024-3400"]),  # outside a 48 h window from the others
    ]
    (surge,) = detect_surges(items, min_sources=3, window=dt.timedelta(hours=48))
    assert surge.subject == "CVE-2024-3400" and surge.kind == "id"
    assert surge.sources == ["ipa", "jpcert", "nisc"]
    assert surge.first_seen == T0 and surge.last_seen == T0 + dt.timedelta(hours=30)
    assert "複数の情報源が同時に報じています" in surge.title["ja"] and "3" in surge.title["en"]
    assert detect_surges(items, min_sources=4, window=dt.timedelta(hours=48)) == []
    assert detect_surges(items, min_sources=4, window=dt.timedelta(hours=100))[0].sources == [
        "ipa",
        "jpcert",
        "nisc",
        "vendor",
    ]


def test_product_surges_and_undated_items():
    items = [
        item("a", 0, "FortiOS に脆弱性"),
        item("b", 2, "fortios update released"),
        item("c", 3, "ＦｏｒｔｉＯＳ 注意喚起"),  # full-width letters normalise
        SourcedItem("d", FeedItem("g", "FortiOS", "", "", None)),
    ]
    (surge,) = detect_surges(items, min_sources=3, products=["FortiOS"])
    assert surge.kind == "product" and surge.sources == ["a", "b", "c"]


def test_normalise_link():
    assert normalise_link(
        "HTTPS://WWW.Example.com/news/1/?utm_source=rss&id=3#top"
    ) == normalise_link("http://example.com/news/1?id=3")
    assert normalise_link("https://example.com/a") != normalise_link("https://example.com/b")
    assert normalise_link("https://jvn.jp/vu/JVNVU1/index.html") == normalise_link(
        "https://jvn.jp/vu/JVNVU1/"
    )


def test_dedupe_by_link_or_title():
    items = [
        item(
            "jpcert",
            0,
            "Ivanti 製品の脆弱性に関する注意喚起",
            link="https://www.jpcert.or.jp/at/2024/at240001.html",
        ),
        item(
            "aggregator", 1, "Ivanti 製品の脆弱性に関する注意喚起！", link="https://agg.example/x"
        ),
        item(
            "mirror",
            2,
            "different title",
            link="https://jpcert.or.jp/at/2024/at240001.html?utm_medium=feed",
        ),
        item("other", 3, "Something else entirely", link="https://other.example/1"),
        item("short", 4, "Update", link="https://s.example/1"),
        item("short2", 5, "Update", link="https://s.example/2"),
    ]
    groups = dedupe(items)
    assert [[s.source for s in g] for g in groups] == [
        ["jpcert", "aggregator", "mirror"],
        ["other"],
        ["short"],
        ["short2"],
    ]


def test_timeline_merges_sources_newest_first_with_duplicates_once():
    from mamori.intel.surge import timeline

    items = [
        item("jpcert", 1, "JPCERT 注意喚起 その1", link="https://www.jpcert.or.jp/at/1.html"),
        item("ipa", 5, "IPA 重要なセキュリティ情報", link="https://www.ipa.go.jp/a.html"),
        item("jvn", 3, "JVN 新着 脆弱性情報", link="https://jvn.jp/vu/1/"),
        item("mirror", 6, "JPCERT 注意喚起 その1", link="https://mirror.example/x"),
        SourcedItem(
            "undated", FeedItem("u", "No date here at all", "https://u.example/", "", None)
        ),
    ]
    ordered = timeline(items)
    assert [[s.source for s in group] for group in ordered] == [
        ["ipa"],
        ["jvn"],
        ["jpcert", "mirror"],
        ["undated"],
    ]
