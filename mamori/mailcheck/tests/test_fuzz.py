"""Fuzzing: mutated mails never make the engine raise, and every cap holds."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.mailcheck.engine import Limits, analyse
from mamori.mailcheck.engine.model import VERDICT_LABELS
from mamori.mailcheck.forwarding import extract_forwarded

from .builders import build_mail, msg_bytes, zip_bytes
from .labelled import CASES

SEEDS: list[bytes] = [case.build() for case in CASES[::3]] + [
    msg_bytes(
        subject="件名",
        sender_name="山田",
        sender_address="y@example.jp",
        body="本文",
        attachments=[("a.zip", zip_bytes({"x.exe": b"MZ"}))],
    )
]
SMALL = Limits(
    max_parts=20,
    max_mime_depth=4,
    max_archive_entries=5,
    max_archive_member_read_bytes=4096,
    max_archive_depth=1,
    max_links=10,
    max_text_chars=5000,
    max_html_bytes=5000,
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup", "delete"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64)) or b"\x00"
        elif op == "dup":
            end = min(len(data), pos + draw(st.integers(1, 400)))
            data[pos:pos] = data[pos:end]
        else:
            del data[pos : pos + draw(st.integers(1, 200))]
    return bytes(data)


def _check_report_invariants(raw: bytes, limits: Limits | None) -> None:
    report = analyse(raw, limits=limits)
    assert report.verdict in VERDICT_LABELS
    assert 0 <= report.score <= 100
    assert len(report.signals) <= 200
    assert all(len(s.evidence) <= 500 for s in report.signals)
    assert len(report.subject) <= 2000
    json.dumps(report.to_dict(), ensure_ascii=False)


@FUZZ
@given(mutated())
def test_mutated_mails_never_raise(raw: bytes) -> None:
    _check_report_invariants(raw, None)
    _check_report_invariants(raw, SMALL)


@FUZZ
@given(mutated())
def test_forwarding_extraction_never_raises(raw: bytes) -> None:
    found = extract_forwarded(raw)
    assert found and all(isinstance(item, bytes) for item in found)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    _check_report_invariants(raw, None)
    _check_report_invariants(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + raw, None)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.text(max_size=2000))
def test_arbitrary_header_and_body_text(display: str, subject: str, body: str) -> None:
    raw = (
        f"From: {display} <x@example.com>\r\nSubject: {subject}\r\nReply-To: {display}\r\n"
        f"Content-Type: text/html; charset=utf-8\r\n\r\n<a href='{body[:200]}'>{body}</a>"
    ).encode("utf-8", "surrogatepass")
    _check_report_invariants(raw, None)


@settings(max_examples=20, deadline=None)
@given(st.integers(SMALL.max_parts + 1, 80))
def test_part_count_cap_is_a_signal(count: int) -> None:
    body = b"".join(b"--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n" for _ in range(count))
    raw = (
        b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="X"\r\n\r\n'
        + body
        + b"--X--\r\n"
    )
    report = analyse(raw, limits=SMALL)
    assert any(s.id == "message.limit" and "MIME parts" in s.evidence for s in report.signals)


@settings(max_examples=20, deadline=None)
@given(st.integers(SMALL.max_mime_depth + 1, 60))
def test_nesting_cap_is_a_signal(depth: int) -> None:
    body = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    report = analyse(
        b"From: a@example.com\r\n" + body + b"Content-Type: text/plain\r\n\r\nx\r\n", limits=SMALL
    )
    assert any(s.id == "message.limit" for s in report.signals)


def test_very_deep_nesting_beyond_the_parser_keeps_the_headers() -> None:
    body = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(3000)
    )
    report = analyse(b"From: Boss <boss@example.com>\r\nSubject: deep\r\n" + body)
    assert report.from_address == "boss@example.com"
    assert any(s.id == "message.limit" for s in report.signals)


@settings(max_examples=15, deadline=None)
@given(st.integers(SMALL.max_archive_entries + 1, 40), st.integers(0, 2))
def test_archive_caps_are_signals(entries: int, nesting: int) -> None:
    archive = zip_bytes({f"f{i}.txt": b"x" for i in range(entries)})
    for _ in range(nesting):
        archive = zip_bytes({"inner.zip": archive})
    raw = build_mail(
        sender=("a", "a@example.com"),
        subject="z",
        text="z",
        attachments=[("a.zip", archive, "application/zip")],
    )
    report = analyse(raw, limits=SMALL)
    assert any(s.id == "attachment.limit" for s in report.signals), [
        (s.id, s.evidence) for s in report.signals
    ]


def test_decompression_bomb_is_not_read() -> None:
    # 50 MB of zeros compresses to ~50 kB; the member read cap stops it before it is unpacked.
    archive = zip_bytes({"bomb.docx": b"\x00" * (50 * 1024 * 1024)})
    raw = build_mail(
        sender=("a", "a@example.com"),
        subject="z",
        text="z",
        attachments=[("bomb.zip", archive, "application/zip")],
    )
    report = analyse(raw)
    assert any(s.id == "attachment.limit" and "bomb.docx" in s.evidence for s in report.signals)


def test_time_budget_is_a_signal() -> None:
    raw = CASES[0].build()
    report = analyse(raw, limits=Limits(time_budget_seconds=-1.0))  # already used up
    ids = {s.id for s in report.signals}
    assert any(s.id == "message.limit" and "time budget" in s.evidence for s in report.signals)
    # Out of time, the cheap sender and content analysers still run; link checks are skipped.
    assert {"sender.brand_name_mismatch", "content.account_lure"} <= ids
    assert not any(i.startswith("link.") for i in ids)


def test_many_links_of_one_kind_are_summarised_but_a_worse_one_still_counts() -> None:
    links = "".join(
        f'<a href="https://click{i}.tracker.example.net/">news.example.org/{i}</a>'
        for i in range(50)
    )
    links += '<a href="https://evil.example.ru/login">https://www.mizuhobank.co.jp/</a>'
    raw = build_mail(sender=("News", "news@news.example.org"), subject="news", html=links)
    report = analyse(raw)
    mismatches = [s for s in report.signals if s.id == "link.text_mismatch"]
    assert 5 <= len(mismatches) <= 6
    assert any(s.severity == "high" and "mizuhobank.co.jp" in s.evidence for s in mismatches)
    assert report.verdict == "danger"


def test_large_plain_attachment_is_sniffed_and_large_disguised_zip_is_opened() -> None:
    import random

    noise = random.Random(3).randbytes(1_500_000)
    pdf = b"%PDF-1.7\n" + noise
    disguised = zip_bytes({"noise.bin": noise, "請求書.exe": b"MZ"})
    raw = build_mail(
        sender=("a", "a@example.com"),
        subject="big",
        text="big files",
        attachments=[
            ("report.pdf", pdf, "application/pdf"),
            ("photo.jpg", disguised, "image/jpeg"),
        ],
    )
    report = analyse(raw)
    evidence = {s.id: s.evidence for s in report.signals}
    assert evidence.get("attachment.dangerous_type") == "photo.jpg → 請求書.exe"
    assert "attachment.limit" not in evidence
    assert report.facts["attachments"] == ["report.pdf", "photo.jpg"]


# The smallest shape of a PE file: "MZ", a pointer at 0x3C, and "PE\0\0" where it points.
PE_FILE = b"MZ" + b"\x00" * 0x3A + (0x40).to_bytes(4, "little") + b"PE\x00\x00" + b"\x00" * 64


def test_program_under_an_innocent_name_is_found_by_its_content() -> None:
    raw = build_mail(
        sender=("経理", "keiri@example.co.jp"),
        subject="請求書",
        text="請求書を送ります",
        attachments=[
            ("請求書.pdf", PE_FILE, "application/pdf"),
            ("MZ社報告.txt", b"MZ Corporation quarterly report " * 4, "text/plain"),
            ("資料.txt", b"L\x00\x00\x00\x01\x14\x02\x00" + b"\x00" * 60, "text/plain"),
        ],
    )
    evidence = [s.evidence for s in analyse(raw).signals if s.id == "attachment.dangerous_type"]
    assert any("請求書.pdf" in e and "Windows program" in e for e in evidence)
    assert any("資料.txt" in e and "shortcut" in e for e in evidence)
    assert not any("MZ社報告.txt" in e for e in evidence)  # text that merely starts with "MZ"
