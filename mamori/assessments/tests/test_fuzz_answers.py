"""Whatever a browser posts to the answer page, the answer is a page (never a 500) and what is
stored scores without problems."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.assessments.models import AnswerSet
from mamori.assessments.questionnaire import load_all
from mamori.assessments.scoring import score

from .helpers import start

HANDBOOK = load_all()["handbook"]
QUESTION_IDS = [q.id for q in HANDBOOK.questions]
CHOICE_IDS = sorted({c.id for q in HANDBOOK.questions for c in q.choices})

values = st.one_of(
    st.sampled_from(CHOICE_IDS),
    st.text(max_size=30),
    st.sampled_from(["2024-02-30", "2020-01-01", "9999-12-31", "never", "", "on"]),
)
posts = st.dictionaries(
    st.sampled_from([*QUESTION_IDS, *(f"{q}__never" for q in QUESTION_IDS), "shown", "go"]),
    st.lists(values, min_size=1, max_size=3),
    max_size=8,
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(section=st.integers(min_value=1, max_value=len(HANDBOOK.sections)), data=posts)
def test_any_post_gives_a_page_and_stores_only_valid_answers(
    org: Any, members: dict[str, Any], client_as: Any, section: int, data: dict[str, list[str]]
) -> None:
    owner = client_as(members["owner"])
    assessment = start(owner, org, "handbook")
    shown = [q.id for q in HANDBOOK.sections[section - 1].questions]
    data = {"shown": shown, **data} if "shown" not in data else data
    url = reverse(
        "assessments:answer",
        kwargs={"org_slug": org.slug, "pk": assessment.pk, "section": section},
    )
    response = owner.post(url, data)
    assert response.status_code in {200, 302}
    stored = AnswerSet.objects.filter(assessment=assessment).first()
    if stored is not None:
        assert score(HANDBOOK, stored.answers).problems == ()
