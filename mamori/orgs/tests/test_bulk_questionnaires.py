"""Issue 19: an advisor starts the same questionnaires in several clients from the overview —
only in organisations they own, never copying a client's answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages

from mamori.assessments.models import AnswerSet, Assessment, AssessmentStatus
from mamori.audit.models import AuditEvent
from mamori.orgs import bulk
from mamori.orgs.models import Membership, Organization, Role
from mamori.orgs.services import create_organization

URL = "/overview/questionnaires/"


@pytest.fixture
def advisor(make_user: Any) -> Any:
    return make_user("advisor@example.jp", name="支援 一郎")


@pytest.fixture
def setting(advisor: Any, make_user: Any) -> dict[str, Any]:
    """The advisor owns A, B and C; is only a viewer of V and an editor of E; O is a stranger's."""
    a, b, c = (create_organization(f"顧客{n}株式会社", advisor) for n in "ABC")
    boss = make_user("boss@example.jp")
    viewed = create_organization("閲覧だけの会社", boss)
    Membership.objects.create(organization=viewed, user=advisor, role=Role.VIEWER)
    edited = create_organization("編集だけの会社", boss)
    Membership.objects.create(organization=edited, user=advisor, role=Role.EDITOR)
    stranger = make_user("stranger@example.com")
    other = create_organization("よその会社", stranger)
    return {
        "a": a,
        "b": b,
        "c": c,
        "viewed": viewed,
        "edited": edited,
        "other": other,
        "boss": boss,
        "stranger": stranger,
    }


def _assessment(org: Organization, questionnaire_id: str, user: Any, **fields: Any) -> Assessment:
    return Assessment.objects.create(
        organization=org, questionnaire_id=questionnaire_id, created_by=user, **fields
    )


def _drafts(org: Organization) -> list[str]:
    return sorted(
        Assessment.objects.filter(organization=org, status=AssessmentStatus.DRAFT).values_list(
            "questionnaire_id", flat=True
        )
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_the_set_a_client_used_is_started_in_owned_clients_without_answers(
    advisor: Any, setting: dict[str, Any], client_as: Any
) -> None:
    a, b, c = setting["a"], setting["b"], setting["c"]
    # A's set: a completed basic check (with answers) and a BCP check being answered.
    _assessment(
        a,
        "ipa_basic",
        advisor,
        status=AssessmentStatus.COMPLETED,
        answers={"q1": "yes"},
        percent=80.0,
    )
    bcp = _assessment(a, "bcp", advisor)
    AnswerSet.objects.create(assessment=bcp, member=advisor, answers={"secret": "A社の回答"})
    # B already has a BCP check open: it is not started twice.
    _assessment(b, "bcp", advisor)
    untouched = {o.pk: _drafts(o) for o in (setting["viewed"], setting["edited"], setting["other"])}
    before = set(Assessment.objects.values_list("pk", flat=True))

    response = client_as(advisor).post(
        URL,
        {
            "source": a.pk,
            "questionnaire": ["personal_data", "no-such-questionnaire"],
            "organization": [
                a.pk,
                b.pk,
                c.pk,
                setting["viewed"].pk,
                setting["edited"].pk,
                setting["other"].pk,
                "x",
            ],
        },
    )
    assert response.status_code == 302 and response["Location"] == "/overview/"
    assert _messages(response) == [
        "2 組織で、合わせて 5 件の点検を始めました。",
        "1 件は、同じ点検がすでに回答中だったため始めませんでした。",
    ]
    assert _drafts(b) == ["bcp", "ipa_basic", "personal_data"]
    assert _drafts(c) == ["bcp", "ipa_basic", "personal_data"]
    # The source is not a target, and organisations not owned are left alone.
    assert _drafts(a) == ["bcp"]
    assert {o.pk: _drafts(o) for o in (setting["viewed"], setting["edited"], setting["other"])} == (
        untouched
    )
    # Fresh drafts: nobody's answers, started by the advisor, at the shipped version.
    started = Assessment.objects.exclude(pk__in=before)
    assert started.count() == 5
    for assessment in started:
        assert assessment.answers == {} and assessment.result == {}
        assert assessment.created_by == advisor
        assert assessment.questionnaire_version >= 1
    assert not AnswerSet.objects.filter(assessment__organization__in=[b, c]).exists()

    # One audit event in each client's own trail, naming what was started there.
    events = AuditEvent.objects.filter(action=bulk.QUESTIONNAIRES_STARTED)
    assert sorted(events.values_list("organization_id", flat=True)) == sorted([b.pk, c.pk])
    in_b = events.get(organization_id=b.pk)
    assert in_b.changes["questionnaires"] == ["ipa_basic", "personal_data"]
    assert in_b.changes["already_open"] == ["bcp"]
    assert in_b.changes["from"] == a.name

    # The same again: everything is open already, nothing new, no new events.
    again = client_as(advisor).post(
        URL, {"source": a.pk, "questionnaire": ["personal_data"], "organization": [b.pk, c.pk]}
    )
    assert _messages(again) == [
        "新しく始めた点検はありません。選んだ組織では、選んだ点検がすべてすでに回答中です。"
    ]
    assert events.count() == 2
    assert _drafts(c) == ["bcp", "ipa_basic", "personal_data"]


@pytest.mark.django_db
def test_a_completed_check_does_not_stop_a_new_round(
    advisor: Any, setting: dict[str, Any], client_as: Any
) -> None:
    b = setting["b"]
    _assessment(b, "handbook", advisor, status=AssessmentStatus.COMPLETED, percent=50.0)
    client_as(advisor).post(URL, {"questionnaire": ["handbook"], "organization": [b.pk]})
    assert _drafts(b) == ["handbook"]
    assert Assessment.objects.filter(organization=b, questionnaire_id="handbook").count() == 2


@pytest.mark.django_db
def test_nothing_is_started_outside_what_the_user_owns(
    advisor: Any, setting: dict[str, Any], client_as: Any, make_user: Any
) -> None:
    viewed, edited, other = setting["viewed"], setting["edited"], setting["other"]
    # A source the advisor only views: its set is not read, so there is nothing to start.
    _assessment(viewed, "bcp", setting["boss"])
    response = client_as(advisor).post(
        URL, {"source": viewed.pk, "organization": [setting["b"].pk]}
    )
    assert _messages(response) == [
        "点検の種類を1つ以上選ぶか、同じ点検を使う顧客を選んでください。"
    ]
    assert _drafts(setting["b"]) == []

    # Only ids of organisations the user does not own: refused with a message.
    response = client_as(advisor).post(
        URL, {"questionnaire": ["ipa_basic"], "organization": [viewed.pk, edited.pk, other.pk]}
    )
    assert _messages(response) == [
        "点検を始める組織（所有者になっている組織）を1つ以上選んでください。"
    ]
    # The owner of the viewed client (not the advisor) posting the advisor's ids: nothing there.
    client_as(setting["boss"]).post(
        URL, {"questionnaire": ["ipa_basic"], "organization": [setting["a"].pk]}
    )
    # Someone who owns none of them: nothing either.
    for user in (setting["stranger"], make_user("nobody@example.com")):
        client_as(user).post(
            URL, {"questionnaire": ["ipa_basic"], "organization": [viewed.pk, edited.pk]}
        )
    assert not Assessment.objects.exclude(organization=viewed).exists()
    assert not AuditEvent.objects.filter(action=bulk.QUESTIONNAIRES_STARTED).exists()

    # A source that has used nothing yet says so.
    response = client_as(advisor).post(
        URL, {"source": setting["a"].pk, "organization": [setting["b"].pk]}
    )
    assert _messages(response) == [
        f"{setting['a'].name} ではまだどの点検も行っていません。点検の種類を選んでください。"
    ]
    # GET does nothing; signed out is sent to sign in.
    assert client_as(advisor).get(URL).status_code == 405
    from django.test import Client

    assert Client().post(URL, {"questionnaire": ["ipa_basic"]}).status_code == 302
    assert not Assessment.objects.exclude(organization=viewed).exists()


@pytest.mark.django_db
def test_the_overview_offers_the_form_in_both_languages(
    advisor: Any, setting: dict[str, Any], client_as: Any
) -> None:
    client = client_as(advisor)
    page = client.get("/overview/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    form = page.split(f'action="{URL}"')[1].split("</form>")[0]
    assert "基本対策チェック" in form  # the questionnaire titles in the page's language
    assert "回答が組織の間でコピーされることはありません" in page
    # The targets are the owned organisations only.
    for org in (setting["a"], setting["b"], setting["c"]):
        assert f'name="organization" value="{org.pk}"' in form
    for org in (setting["viewed"], setting["edited"], setting["other"]):
        assert f'value="{org.pk}"' not in form

    from mamori.accounts.models import Profile

    Profile.objects.update_or_create(user=advisor, defaults={"language": "en"})
    english = client_as(advisor).get("/overview/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = english.split(f'action="{URL}"')[1].split("</form>")[0]
    assert "Basic measures check" in form and "基本対策" not in form
    assert "Answers are never copied between organisations" in english
