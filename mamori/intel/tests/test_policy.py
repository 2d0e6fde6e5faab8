from __future__ import annotations

import datetime as dt

import pytest

from mamori.intel.model import Advisory, Cvss, FeedItem, KevInfo
from mamori.intel.policy import DuePolicy, decision_key, due_date, severity_of
from mamori.intel.surge import SourcedItem, watch_hits

TODAY = dt.date(2024, 6, 1)


def adv(score: float | None = None, kev: KevInfo | None = None, version: str = "3.1") -> Advisory:
    cvss = [Cvss(version=version, score=score, vector="", severity="")] if score is not None else []
    return Advisory(source="nvd", cve_ids=["CVE-2024-0001"], cvss=cvss, kev=kev)


@pytest.mark.parametrize(
    "score, expected, days",
    [
        (9.8, "critical", 7),
        (7.0, "high", 14),
        (5.3, "medium", 30),
        (2.0, "low", 90),
        (None, "medium", 30),
    ],
)
def test_severity_and_policy_due_date(score, expected, days):
    advisory = adv(score)
    assert severity_of(advisory) == expected
    assert due_date(advisory, found_on=TODAY) == TODAY + dt.timedelta(days=days)


def test_newest_cvss_version_wins():
    advisory = adv(9.3, version="2.0")
    advisory.cvss.append(Cvss(version="3.1", score=5.0, vector="", severity="MEDIUM"))
    assert severity_of(advisory) == "medium"


def test_kev_raises_severity_and_sets_the_due_date():
    kev = KevInfo(due_date=dt.date(2024, 6, 20), ransomware=None)
    assert severity_of(adv(5.0, kev)) == "high"
    assert severity_of(adv(5.0, KevInfo(ransomware=True))) == "critical"
    assert due_date(adv(5.0, kev), found_on=TODAY) == dt.date(2024, 6, 20)
    late = KevInfo(due_date=dt.date(2024, 1, 1))
    assert due_date(adv(5.0, late), found_on=TODAY) == TODAY


def test_custom_policy():
    policy = DuePolicy(critical_days=3, high_days=10)
    assert due_date(adv(9.9), found_on=TODAY, policy=policy) == TODAY + dt.timedelta(days=3)


def test_decision_key_depends_on_version():
    a = decision_key("CVE-2024-1", "item-1", "2.5.30")
    assert a == decision_key("cve-2024-1", "item-1", "2.5.30 ")
    assert a != decision_key("CVE-2024-1", "item-1", "2.5.31")
    assert a != decision_key("CVE-2024-1", "item-2", "2.5.30")


def test_watch_hits():
    items = [
        SourcedItem(
            "a", FeedItem("1", "ＦｏｒｔｉＯＳ の脆弱性", link="", summary="", published=None)
        ),
        SourcedItem("b", FeedItem("2", "Weather", link="", summary="nothing", published=None)),
        SourcedItem(
            "c", FeedItem("3", "x", link="", summary="Update for apache struts", published=None)
        ),
    ]
    hits = watch_hits(items, ["FortiOS", "Apache Struts", "os"])
    assert [(word, s.source) for word, s in hits] == [("FortiOS", "a"), ("Apache Struts", "c")]


def test_remediation_names_the_fixed_version_and_kev_urgency():
    from mamori.intel.model import MatchCriterion
    from mamori.intel.policy import remediation

    criterion = MatchCriterion(
        cpe23="cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*", version_end_excluding="2.5.33"
    )
    text = remediation(adv(9.8, KevInfo()), criterion, "Apache Struts")
    assert "Apache Struts を 2.5.33 以降" in text["ja"] and "version 2.5.33 or later" in text["en"]
    assert "KEV" in text["ja"] and "KEV" in text["en"]
    assert "データベースに不正アクセスされた" in text["ja"]
    plain = remediation(adv(5.0), None, "Widget")
    assert "KEV" not in plain["en"] and "product name only" in plain["en"]
    including = MatchCriterion(cpe23="cpe:2.3:a:x:y:*:*:*:*:*:*:*:*", version_end_including="1.4")
    assert "newer than 1.4" in remediation(adv(5.0), including, "Y")["en"]
