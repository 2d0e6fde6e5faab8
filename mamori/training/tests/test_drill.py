"""Issue 18 "done when": an owner drills three people over a real SMTP server on loopback —
one clicks, one's click is a scanner's and is filtered, one forwards the mail to the check
address and is counted as reported — and the results page and the PDF say so."""

from __future__ import annotations

import email
import io
import smtplib
import socket
import threading
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mamori.audit.models import AuditEvent
from mamori.core.jobs import load_handlers, run_one
from mamori.core.models import Job
from mamori.inventory.models import Person
from mamori.mailcheck.inbound import default_check_address
from mamori.mailcheck.models import CheckedMail, MailCheckSettings
from mamori.mailcheck.smtpd_command import start_controller
from mamori.training.models import Drill, DrillEvent, DrillRecipient, DrillStatus, TrainingRecord

pytestmark = pytest.mark.django_db(transaction=True)

DOMAIN = "our-office.co.jp"
MAIL_DOMAIN = "check.mamori.example"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
SCANNER = "Mozilla/5.0 (compatible; BarracudaCentral/1.0)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """The organisation's mail server: keeps every message it is given."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            found = [raw for rcpts, raw in self.messages if address in rcpts]
        return [email.message_from_bytes(raw, policy=policy.default) for raw in found]

    def raw_to(self, address: str) -> bytes:
        with self.lock:
            return next(raw for rcpts, raw in self.messages if address in rcpts)


@pytest.fixture
def servers() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server for outgoing mail and the check address's own SMTP listener."""
    mailbox = Mailbox()
    out_port, check_port = _free_port(), _free_port()
    outgoing = Controller(mailbox, hostname="127.0.0.1", port=out_port)
    outgoing.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=out_port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        MAIL_DOMAIN=MAIL_DOMAIN,
        BASE_URL="http://testserver",
    ):
        checker = start_controller("127.0.0.1", check_port, max_bytes=2_000_000)
        try:
            yield mailbox, check_port
        finally:
            checker.stop()
            outgoing.stop()


@pytest.fixture
def staff(org: Any) -> dict[str, Person]:
    MailCheckSettings.objects.create(organization=org, own_domains=DOMAIN)
    make = lambda name, local, dept: Person.objects.create(  # noqa: E731
        organization=org, name=name, email=f"{local}@{DOMAIN}", department=dept
    )
    return {
        "clicker": make("青木 一郎", "aoki", "営業"),
        "scanned": make("井上 花子", "inoue", "営業"),
        "reporter": make("上田 三郎", "ueda", "経理"),
        "outside": Person.objects.create(
            organization=org, name="外部 四郎", email="shiro@gmail.example", department="営業"
        ),
    }


def _run_jobs() -> None:
    load_handlers()
    while run_one("test-worker"):
        pass


def _token(recipient_email: str) -> str:
    return DrillRecipient.objects.get(email=recipient_email).token


def test_owner_drills_three_people_click_scanner_and_report(
    servers: tuple[Mailbox, int], org: Any, members: dict[str, Any], client_as: Any, staff: Any
) -> None:
    mailbox, check_port = servers
    editor, owner = client_as(members["editor"]), client_as(members["owner"])
    three = [staff["clicker"], staff["scanned"], staff["reporter"]]

    # An editor drafts the drill; an address outside the organisation's domains is refused.
    url = reverse("training:drill_create", kwargs={"org_slug": org.slug})
    refused = editor.post(
        url,
        {
            "name": "x",
            "template": "contract",
            "scanner_window_seconds": "10",
            "people": [staff["outside"].pk],
        },
    )
    assert refused.status_code == 400
    assert "組織のドメイン" in refused.content.decode()
    assert not Drill.objects.exists()
    response = editor.post(
        url,
        {
            "name": "決算期の訓練",
            "template": "contract",
            "scanner_window_seconds": "10",
            "people": [p.pk for p in three],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    drill = Drill.objects.get()
    assert drill.status == DrillStatus.DRAFT and drill.recipients.count() == 3

    # The editor cannot approve (nor send); nothing is queued until an owner does.
    approve = reverse("training:drill_approve", kwargs={"org_slug": org.slug, "pk": drill.pk})
    assert editor.post(approve).status_code == 403
    _run_jobs()
    assert mailbox.messages == [] and Drill.objects.get().status == DrillStatus.DRAFT
    # An owner without a recent re-authentication is sent to it first.
    assert client_as(members["owner"], sudo=False).post(approve).status_code == 302
    assert Drill.objects.get().status == DrillStatus.DRAFT
    assert owner.post(approve).status_code == 302
    assert Drill.objects.get().status == DrillStatus.APPROVED
    assert AuditEvent.objects.filter(action="training.drill_approved").count() == 1

    # The send is a job: it goes over the SMTP server to the three, and nowhere else.
    assert Job.objects.filter(kind="training.send_drill").count() == 1
    _run_jobs()
    drill.refresh_from_db()
    assert drill.status == DrillStatus.SENT
    assert sorted(r for rcpts, _raw in mailbox.messages for r in rcpts) == sorted(
        p.email for p in three
    )
    message = mailbox.to(staff["clicker"].email)[0]
    token = _token(staff["clicker"].email)
    assert message["X-Mamori-Drill"] == token  # admins see it in the headers
    body = message.get_body(("plain",)).get_content()
    assert f"/d/{token}/" in body
    assert "訓練" not in str(message["Subject"]) and "訓練" not in body
    html = message.get_body(("html",)).get_content()
    assert f"/d/{token}/i.gif" in html
    attachment = next(message.iter_attachments())
    docx = zipfile.ZipFile(io.BytesIO(attachment.get_content()))
    names = docx.namelist()
    assert not any("vba" in n.lower() or n.endswith(".bin") for n in names)  # no macro
    assert f"/d/{token}/doc/" in docx.read("word/_rels/document.xml.rels").decode()

    # Deliveries happened an hour ago, except the scanned person's, which just arrived.
    hour_ago = timezone.now() - timedelta(hours=1)
    DrillRecipient.objects.exclude(email=staff["scanned"].email).update(delivered_at=hour_ago)

    # The scanned person's link: a HEAD, a scanner's user agent, and a GET within seconds.
    anonymous = owner.__class__()
    scanned_url = reverse("training:click", kwargs={"token": _token(staff["scanned"].email)})
    assert anonymous.head(scanned_url, HTTP_USER_AGENT=BROWSER).status_code == 200
    anonymous.get(scanned_url, HTTP_USER_AGENT=BROWSER)  # within the 10-second window
    DrillRecipient.objects.filter(email=staff["scanned"].email).update(delivered_at=hour_ago)
    anonymous.get(scanned_url, HTTP_USER_AGENT=SCANNER)
    scanned = DrillRecipient.objects.get(email=staff["scanned"].email)
    assert scanned.clicked_at is None and scanned.machine_events == 3
    assert sorted(
        DrillEvent.objects.filter(recipient=scanned).values_list("machine_reason", flat=True)
    ) == [
        "head",
        "scanner_agent",
        "too_soon",
    ]

    # The clicker opens the link in a browser: the landing page teaches what to notice.
    landing = anonymous.get(
        reverse("training:click", kwargs={"token": token}), HTTP_USER_AGENT=BROWSER
    )
    assert landing.status_code == 200
    page = landing.content.decode()
    assert "ハンドブック 第7章 §7.1" in page and "コンテンツの有効化" in page
    clicker = DrillRecipient.objects.get(email=staff["clicker"].email)
    assert clicker.clicked_at is not None and clicker.training is not None
    assert TrainingRecord.objects.get(pk=clicker.training_id).person == staff["clicker"]

    # The reporter forwards the drill mail to the check address as an attachment.
    check = default_check_address(org)
    original = mailbox.raw_to(staff["reporter"].email)
    forward = EmailMessage()
    forward["From"] = f"上田 三郎 <{staff['reporter'].email}>"
    forward["To"] = check
    forward["Subject"] = "Fwd: 契約書の最終確認のお願い"
    forward.set_content("怪しいメールが届きました。")
    forward.add_attachment(email.message_from_bytes(original, policy=policy.default))
    with smtplib.SMTP("127.0.0.1", check_port, timeout=30) as client:
        client.sendmail(staff["reporter"].email, [check], forward.as_bytes(policy=policy.SMTP))
    reporter = DrillRecipient.objects.get(email=staff["reporter"].email)
    assert reporter.reported_at is not None
    thanks = [m for m in mailbox.to(staff["reporter"].email) if "mamori" in str(m["Subject"])]
    assert len(thanks) == 1
    thanks_body = thanks[0].get_content()
    assert "ありがとうございます" in thanks_body and "Thank" not in thanks_body
    assert not CheckedMail.objects.filter(organization=org).exists()  # no verdict for a drill

    # The results page and the PDF say so.
    detail = reverse("training:drill_detail", kwargs={"org_slug": org.slug, "pk": drill.pk})
    results = editor.get(detail).content.decode()
    assert "メールの検査装置によるアクセス（除外）" in results
    assert "3人中、1人がメールを報告" in results
    assert "1人がクリック" in results
    pdf = editor.get(reverse("training:drill_pdf", kwargs={"org_slug": org.slug, "pk": drill.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    compact = "".join(text.split())  # table cells wrap names across lines
    for name in ("青木一郎", "井上花子", "上田三郎"):
        assert name in compact
    assert "1人がメールを報告" in compact and "メールの検査装置によるアクセス（除外）" in compact


def test_inline_forward_without_headers_is_recognised_by_its_link(
    servers: tuple[Mailbox, int], org: Any, members: dict[str, Any], staff: Any
) -> None:
    from mamori.training import services

    mailbox, check_port = servers
    drill = services.create_drill(
        None, org, name="d", template="meeting", people=[staff["reporter"]], actor=members["owner"]
    )
    services.approve_drill(None, drill, actor=members["owner"])
    _run_jobs()
    body = mailbox.to(staff["reporter"].email)[0].get_body(("plain",)).get_content()
    check = default_check_address(org)
    forward = EmailMessage()
    forward["To"] = check
    forward["Subject"] = "FW: 次回ミーティングの資料"
    forward.set_content("転送します\n\n-----Original Message-----\n" + body)
    # Someone else cannot report on the recipient's behalf with the link.
    forward["From"] = f"other@{DOMAIN}"
    with smtplib.SMTP("127.0.0.1", check_port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPDataError):  # not the recipient, not a member
            client.sendmail(f"other@{DOMAIN}", [check], forward.as_bytes())
    assert DrillRecipient.objects.get().reported_at is None
    del forward["From"]
    forward["From"] = staff["reporter"].email
    with smtplib.SMTP("127.0.0.1", check_port, timeout=30) as client:
        client.sendmail(staff["reporter"].email, [check], forward.as_bytes(policy=policy.SMTP))
    assert DrillRecipient.objects.get().reported_at is not None


def test_service_refuses_outside_addresses_and_non_owner_approval(
    org: Any, members: dict[str, Any], staff: Any
) -> None:
    from mamori.training import services

    with pytest.raises(services.DrillRefused):
        services.create_drill(
            None,
            org,
            name="d",
            template="meeting",
            people=[staff["outside"]],
            actor=members["owner"],
        )
    drill = services.create_drill(
        None, org, name="d", template="meeting", people=[staff["clicker"]], actor=members["editor"]
    )
    with pytest.raises(services.DrillRefused):
        services.approve_drill(None, drill, actor=members["editor"])
    # The domain list changed after drafting: approval re-checks every address.
    MailCheckSettings.objects.filter(organization=org).update(own_domains="elsewhere.example")
    with pytest.raises(services.DrillRefused):
        services.approve_drill(None, drill, actor=members["owner"])
    assert not Job.objects.filter(kind="training.send_drill").exists()


def test_landing_page_in_the_recipients_language_and_unknown_tokens(
    org: Any, members: dict[str, Any], staff: Any
) -> None:
    from django.test import Client

    from mamori.training import services

    drill = services.create_drill(
        None,
        org,
        name="d",
        template="suspension",
        people=[staff["clicker"]],
        actor=members["owner"],
    )
    recipient = drill.recipients.get()
    client = Client()
    url = reverse("training:click", kwargs={"token": recipient.token})
    assert client.get(url, HTTP_USER_AGENT=BROWSER).status_code == 404  # not delivered yet
    DrillRecipient.objects.filter(pk=recipient.pk).update(
        delivered_at=timezone.now() - timedelta(hours=2), language="en"
    )
    page = client.get(url, HTTP_USER_AGENT=BROWSER).content.decode()
    assert "Handbook chapter 7 §7.1" in page and "practice mail" in page
    assert "ハンドブック" not in page and "訓練" not in page
    assert client.get("/d/" + "x" * 32 + "/", HTTP_USER_AGENT=BROWSER).status_code == 404
    assert client.post(url).status_code == 405
    pixel = client.get(
        reverse("training:pixel", kwargs={"token": recipient.token}), HTTP_USER_AGENT=BROWSER
    )
    assert pixel["Content-Type"] == "image/gif"


def test_drill_goes_through_the_organisations_own_smtp_server(
    servers: tuple[Mailbox, int], org: Any, members: dict[str, Any], staff: Any
) -> None:
    from mamori.notify.models import Channel, ChannelKind
    from mamori.training import services

    own = Mailbox()
    port = _free_port()
    controller = Controller(own, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Channel.objects.create(
            organization=org,
            name="社内メール",
            kind=ChannelKind.EMAIL,
            use_server_mail=False,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            from_email=f"soumu@{DOMAIN}",
        )
        drill = services.create_drill(
            None,
            org,
            name="d",
            template="meeting",
            people=[staff["clicker"]],
            actor=members["owner"],
        )
        services.approve_drill(None, drill, actor=members["owner"])
        # Loopback is an internal address: the outbound guard refuses it unless allowed.
        _run_jobs()
        drill.refresh_from_db()
        assert drill.status == DrillStatus.FAILED and own.messages == []
        assert servers[0].messages == []  # never falls back to another server
        Drill.objects.filter(pk=drill.pk).update(status=DrillStatus.APPROVED)
        with override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.1/32"]):
            services.send_drill(drill.pk)
        drill.refresh_from_db()
        assert drill.status == DrillStatus.SENT
        [message] = own.to(staff["clicker"].email)
        assert f"<soumu@{DOMAIN}>" in str(message["From"])
    finally:
        controller.stop()


def test_reporter_is_thanked_in_their_own_language_once(
    org: Any, members: dict[str, Any], staff: Any
) -> None:
    from django.core import mail as django_mail

    from mamori.mailcheck.inbound import process_forward
    from mamori.mailcheck.models import Source
    from mamori.training import services

    drill = services.create_drill(
        None,
        org,
        name="d",
        template="suspension",
        people=[staff["reporter"]],
        actor=members["owner"],
    )
    recipient = drill.recipients.get()
    DrillRecipient.objects.filter(pk=recipient.pk).update(
        delivered_at=timezone.now(), language="en"
    )
    forward = EmailMessage()
    forward["From"] = staff["reporter"].email
    forward["To"] = "check@example.jp"
    forward["Subject"] = "Fwd: suspicious"
    forward.set_content(f"X-Mamori-Drill: {recipient.token}\n\nplease check")
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for _ in range(2):
            process_forward(
                org, forward.as_bytes(), check_address="check@example.jp", source=Source.SMTP
            )
        assert len(django_mail.outbox) == 1  # a repeated forward is not answered again
        reply = django_mail.outbox[0]
    assert reply.to == [staff["reporter"].email]
    assert reply.subject == "[mamori] Thank you for reporting this mail"
    assert "practice mail" in reply.body and "ありがとう" not in reply.body
    assert AuditEvent.objects.filter(action="training.drill_reported").count() == 1


def test_tracking_events_are_bounded_per_recipient(
    org: Any, members: dict[str, Any], staff: Any, monkeypatch: Any
) -> None:
    from django.test import Client

    from mamori.training import services

    monkeypatch.setattr(services, "MAX_EVENTS_PER_RECIPIENT", 3)
    drill = services.create_drill(
        None, org, name="d", template="meeting", people=[staff["scanned"]], actor=members["owner"]
    )
    recipient = drill.recipients.get()
    DrillRecipient.objects.filter(pk=recipient.pk).update(delivered_at=timezone.now())
    url = reverse("training:pixel", kwargs={"token": recipient.token})
    for _ in range(5):
        Client().get(url, HTTP_USER_AGENT="curl/8.5.0")
    recipient.refresh_from_db()
    assert DrillEvent.objects.filter(recipient=recipient).count() == 3
    assert recipient.machine_events == 5 and recipient.opened_at is None
