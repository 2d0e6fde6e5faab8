"""The foundation's "done when", in a real browser: the owner (with MFA) invites a viewer by
mail, the viewer joins and can see but change nothing, and every step is in the audit trail."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from .support import first_run, free_port, running_server

pytestmark = pytest.mark.browser


class Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def server_with_mail(tmp_path: Path, mailbox: tuple[Sink, int]) -> Iterator[str]:
    _sink, smtp_port = mailbox
    with running_server(
        tmp_path / "data",
        MAMORI_SMTP_HOST="127.0.0.1",
        MAMORI_SMTP_PORT=str(smtp_port),
        MAMORI_SMTP_STARTTLS="false",
    ) as base:
        yield base


def wait_for_mail(sink: Sink, count: int) -> bytes:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(sink.messages) < count:
        time.sleep(0.2)
    assert len(sink.messages) >= count, "no invitation mail arrived"
    return sink.messages[count - 1]


def test_owner_invites_viewer_who_can_see_but_not_change(
    server_with_mail: str,
    page: object,
    mailbox: tuple[Sink, int],
) -> None:
    base = server_with_mail
    sink, _port = mailbox
    first_run(page, base, "みどり保育園", "園長 緑", "encho@example.jp")
    page.click("text=続ける")

    page.click('nav.mainnav >> text="組織"')
    page.click("nav.mainnav >> text=メンバー")
    page.click("text=メールで招待")
    page.fill("#id_email", "hoikushi@example.jp")
    page.select_option("#id_role", "viewer")
    page.click("form button.primary")
    assert "招待を送りました" in page.content()

    mail = message_from_bytes(wait_for_mail(sink, 1), policy=default)
    assert mail["To"] == "hoikushi@example.jp"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://\S+/invite/\S+/", body).group(0)

    viewer = page.context.browser.new_context(locale="ja-JP").new_page()
    viewer.goto(link)
    viewer.fill("#id_full_name", "保育士 花")
    viewer.fill("#id_password1", "hoikuen-no-aikotoba-7")
    viewer.fill("#id_password2", "hoikuen-no-aikotoba-7")
    viewer.click("form button.primary")
    viewer.wait_for_selector("h1")
    assert viewer.locator("h1").inner_text() == "みどり保育園"
    slug = viewer.url.rstrip("/").rsplit("/", 1)[-1]
    # The viewer sees the members but cannot invite anyone.
    viewer.goto(f"{base}/o/{slug}/members/")
    assert "encho@example.jp" in viewer.content()
    assert viewer.locator("text=メールで招待").count() == 0
    response = viewer.goto(f"{base}/o/{slug}/members/invite/")
    assert response.status == 403
    assert "権限がありません" in viewer.content()

    page.goto(f"{base}/o/{slug}/audit/")
    trail = page.locator("table").inner_text()
    # Each step as a sentence in the reader's language (the code stays behind 「詳細」).
    for action in (
        "最初のアカウントを作成しました",
        "組織を作成しました",
        "多要素認証を設定しました",
        "メンバーを招待しました",
        "組織に参加しました",
        "ログインしました",
    ):
        assert action in trail, action
    assert "member.invited" not in trail
    assert "hoikushi@example.jp" in trail
