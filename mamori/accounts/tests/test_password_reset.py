from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client


@pytest.mark.django_db
def test_password_reset_by_mail(org: Any, members: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/accounts/password-reset/", {"email": "viewer@example.jp"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "パスワードの再設定" in message.subject
    link = re.search(r"https?://\S+/accounts/password-reset/\S+/", message.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = client.post(
        set_url,
        {"new_password1": "atarashii-aikotoba-99", "new_password2": "atarashii-aikotoba-99"},
    )
    assert done.status_code == 302
    assert (
        Client()
        .post(
            "/accounts/login/", {"email": "viewer@example.jp", "password": "atarashii-aikotoba-99"}
        )
        .status_code
        == 302
    )
    # An unknown address gets the same answer and no mail (no account discovery).
    client.post("/accounts/password-reset/", {"email": "nobody@example.jp"})
    assert len(mail.outbox) == 1
