"""「何が起きた？」 page: only real matches are suggested; otherwise general first steps."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mamori.incidents import triage


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "playbook"),
    [
        ("店のQRコードの上に別のQRコードのシールが貼られていた", "qr-code-sticker"),
        ("ただ一人の管理者が退職して管理者パスワードを誰も知らない", "sole-admin-lost"),
        ("ホームページの画像について著作権侵害で使用料を払えと連絡が来た", "copyright-claim"),
    ],
)
def test_the_three_new_cases_lead_to_their_playbook(
    org: Any, members: dict[str, Any], client_as: Any, text: str, playbook: str
) -> None:
    page = (
        client_as(members["viewer"])
        .get(reverse("incidents:triage", args=[org.slug]), {"text": text})
        .content.decode()
    )
    assert reverse("incidents:playbook", args=[org.slug, playbook]) in page
    assert 'id="no-match"' not in page


@pytest.mark.django_db
def test_nothing_real_matches_says_so_with_general_first_steps(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    # This text resembles some playbooks by shared characters but uses none of their words.
    text = "社長の車が駐車場でパンクしていた"
    resemblance_only = [s for s in triage.suggest(text) if not triage.is_real_match(s)]
    page = (
        client_as(members["viewer"])
        .get(reverse("incidents:triage", args=[org.slug]), {"text": text})
        .content.decode()
    )
    assert 'id="no-match"' in page
    for s in resemblance_only:
        assert reverse("incidents:playbook", args=[org.slug, s.playbook_id]) not in page
    steps = triage.general_first_steps()
    assert len(steps) >= 4 and all(t.ja and t.en for t in steps)
    assert steps[0].ja in page


def test_resemblance_alone_is_not_a_real_match() -> None:
    weak = triage.Suggestion(playbook_id="ddos", score=1.0, matched=(), questions=())
    assert not triage.is_real_match(weak)
    assert triage.is_real_match(
        triage.Suggestion(playbook_id="ddos", score=1.0, matched=("DDoS",), questions=())
    )


@pytest.mark.django_db
def test_playbook_page_maps_phases_to_the_three_ipa_stages(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    page = (
        client_as(members["viewer"])
        .get(reverse("incidents:playbook", args=[org.slug, "ransomware"]))
        .content.decode()
    )
    for stage in ("検知・初動", "報告・公表", "復旧・再発防止"):
        assert stage in page
