"""Mutated forwards through the inbound path (as the smtpd and the mailbox poll call it): no
exception escapes, everything checked is stored, and each stored check gets exactly one reply."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as django_mail
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.mailcheck.inbound import process_forward
from mamori.mailcheck.models import CheckedMail, RawMail
from mamori.orgs.models import Membership, Role

from .builders import rfc822_attachment
from .labelled import bec_payee_change_eucjp, macro_docm_emotet_style

CHECK = "check+fuzz@localhost"
STAFF = "suzuki@our-office.co.jp"
SEEDS = [
    rfc822_attachment(("鈴木 一郎", STAFF), "Fwd: 振込先", bec_payee_change_eucjp()),
    rfc822_attachment(("鈴木 一郎", STAFF), "Fwd: 契約書", macro_docm_emotet_style()),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "cut"]))
        if kind == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[position:position] = draw(
                st.one_of(
                    st.binary(max_size=40),
                    st.sampled_from(
                        [b"\r\n\r\n", b"--", b"Content-Type: message/rfc822\r\n", b"=?utf-8?B?"]
                    ),
                )
            )
        else:
            del data[position : position + draw(st.integers(1, 400))]
    return bytes(data)


# One sender sends every example into the same database (no rollback between hypothesis
# examples): without a high hourly cap the 21st check is refused and a replay differs.
@override_settings(MAIL_CHECK_MAX_PER_SENDER_HOUR=100_000)
@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=mutated())
def test_mutated_forwards_never_escape_and_stay_consistent(
    org: Any, make_user: Any, raw: bytes
) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email=STAFF).first() or make_user(STAFF)
    Membership.objects.get_or_create(organization=org, user=user, defaults={"role": Role.VIEWER})
    before = CheckedMail.objects.count()
    django_mail.outbox.clear()
    result = process_forward(org, raw, check_address=CHECK, source="smtp")
    stored = CheckedMail.objects.count() - before
    assert stored == len(result.mails)
    assert len(django_mail.outbox) == (stored if not result.refused else 0)
    assert RawMail.objects.filter(mail__in=result.mails).count() == stored
    for reply in django_mail.outbox:
        assert reply.to == [result.reporter] and reply.extra_headers["Auto-Submitted"]
