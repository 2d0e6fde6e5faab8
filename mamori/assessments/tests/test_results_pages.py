"""Results, comparison, list query counts and the posture score."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mamori.assessments.models import Assessment
from mamori.assessments.queries import posture_from_rows
from mamori.assessments.questionnaire import load_all
from mamori.assessments.scoring import score

from .helpers import answer_all, complete, ipa_answers, start

WEAK = {
    "b01_updates": "not_done",
    "b02_antivirus": "unknown",
    "b03_passwords": "partial",
    "s11_backup": "not_done",
    "o20_training": "not_done",
    "o25_rules": "partial",
}


def _completed(client: Any, org: Any, answers: dict[str, str]) -> Assessment:
    assessment = start(client, org)
    answer_all(client, org, assessment, answers)
    complete(client, org, assessment)
    assessment.refresh_from_db()
    return assessment


@pytest.mark.django_db
def test_result_page_shows_score_band_chart_and_first_five_actions(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    assessment = _completed(owner, org, ipa_answers(WEAK))
    expected = score(load_all()["ipa_basic"], ipa_answers(WEAK))
    viewer = client_as(members["viewer"])
    page = viewer.get(
        reverse("assessments:result", kwargs={"org_slug": org.slug, "pk": assessment.pk})
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{expected.total:g} / 100" in text
    assert expected.band.label.ja in text
    svg = re.search(r"<svg.*?</svg>", text, re.S)
    assert svg is not None and "style=" not in svg.group(0) and "<script" not in svg.group(0)
    assert svg.group(0).count('class="bar"') == 3
    first = re.search(r'data-testid="first-actions">(.*?)</ol>', text, re.S).group(1)
    titles = [w.title.ja for w in expected.weak]
    assert first.count("<li>") == 5
    positions = [first.find(title) for title in titles[:5]]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert "sev-high" in first and ">高</span>" in first  # severities in the reader's language
    assert titles[5] not in first  # the sixth comes under "then"
    assert titles[5] in text


@pytest.mark.django_db
def test_compare_lists_improved_and_worsened(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    _completed(owner, org, ipa_answers({"b01_updates": "not_done"}))
    after = _completed(owner, org, ipa_answers({"s11_backup": "not_done"}))
    page = owner.get(
        reverse("assessments:compare", kwargs={"org_slug": org.slug, "pk": after.pk})
    ).content.decode()
    improved = re.search(r'data-testid="improved">(.*?)</ul>', page, re.S).group(1)
    worsened = re.search(r'data-testid="worsened">(.*?)</ul>', page, re.S).group(1)
    questionnaire = load_all()["ipa_basic"]
    assert questionnaire.question("b01_updates").text.ja in improved
    assert questionnaire.question("s11_backup").text.ja in worsened
    assert questionnaire.question("s11_backup").text.ja not in improved
    # A result page links to the comparison once there is an earlier check.
    result = owner.get(
        reverse("assessments:result", kwargs={"org_slug": org.slug, "pk": after.pk})
    ).content.decode()
    assert reverse("assessments:compare", kwargs={"org_slug": org.slug, "pk": after.pk}) in result


@pytest.mark.django_db
def test_compare_ignores_another_organisations_assessment(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.orgs.models import Organization

    owner = client_as(members["owner"])
    mine = _completed(owner, org, ipa_answers())
    other_org = Organization.objects.get(name="Other Org")
    theirs = Assessment.objects.create(
        organization=other_org, questionnaire_id="ipa_basic", status="completed"
    )
    url = reverse("assessments:compare", kwargs={"org_slug": org.slug, "pk": mine.pk})
    page = owner.get(url, {"other": theirs.pk})
    assert page.status_code == 200
    assert 'data-testid="delta"' not in page.content.decode()


@pytest.mark.django_db
def test_list_page_queries_do_not_grow(org: Any, members: dict[str, Any], client_as: Any) -> None:
    owner = client_as(members["owner"])
    url = reverse("assessments:list", kwargs={"org_slug": org.slug})

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner.get(url).status_code == 200
        return len(queries)

    Assessment.objects.create(organization=org, questionnaire_id="ipa_basic")
    small = count()
    Assessment.objects.bulk_create(
        [Assessment(organization=org, questionnaire_id="bcp") for _ in range(25)]
    )
    assert count() == small


def test_posture_is_the_mean_of_the_latest_result_per_questionnaire() -> None:
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        ("ipa_basic", day, 40.0),
        ("bcp", day + dt.timedelta(days=1), 60.0),
        ("ipa_basic", day + dt.timedelta(days=30), 80.0),
    ]
    state = posture_from_rows(list(reversed(rows)))
    assert [p.score for p in state.points] == [40.0, 50.0, 70.0]
    assert state.score == 70.0 and state.delta == 20.0
    assert state.last_questionnaire == "ipa_basic"
    assert state.next_due is not None and state.next_due > (day + dt.timedelta(days=30)).date()
    empty = posture_from_rows([])
    assert empty.score is None and empty.delta is None and empty.next_due is None
