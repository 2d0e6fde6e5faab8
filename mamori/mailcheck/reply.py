"""The verdict reply sent back to the staff member who forwarded a mail, in one language.

The reader's language only (the member's profile language; Japanese when unknown): a reply that
carries both languages is read by nobody past the first half.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .engine.model import VERDICT_LABELS, Report

SEVERITY_LABELS: dict[str, dict[str, str]] = {
    "high": {"ja": "危険", "en": "high"},
    "medium": {"ja": "注意", "en": "medium"},
    "low": {"ja": "参考", "en": "low"},
    "info": {"ja": "情報", "en": "info"},
}
SUMMARY: dict[str, dict[str, str]] = {
    "danger": {
        "ja": "このメールは危険です。リンクや添付ファイルを開かず、返信もしないでください。",
        "en": "This mail is dangerous. Do not open its links or attachments and do not reply.",
    },
    "caution": {
        "ja": "このメールには注意が必要です。下の点を確かめてから扱ってください。",
        "en": "Be careful with this mail. Check the points below before acting on it.",
    },
    "safe": {
        "ja": "目立った危険な兆候は見つかりませんでした。ただし安全の保証ではありません。"
        "メールだけで完結しない依頼（支払い・ログイン・添付を開く）は、引き続き慎重に。",
        "en": "No clear warning signs were found. This is not a guarantee: stay careful with any "
        "request that goes beyond the mail itself (payments, logins, opening files).",
    },
}
HEADINGS: dict[str, dict[str, str]] = {
    "verdict": {"ja": "判定", "en": "Verdict"},
    "score": {"ja": "スコア", "en": "score"},
    "subject": {"ja": "件名", "en": "Subject"},
    "from": {"ja": "差出人", "en": "From"},
    "reasons": {"ja": "理由", "en": "Reasons"},
    "evidence": {"ja": "根拠", "en": "Evidence"},
    "advice": {"ja": "対処", "en": "What to do"},
    "source": {"ja": "出典", "en": "Source"},
    "none": {"ja": "（なし）", "en": "(none)"},
    "footer": {
        "ja": "このメールは mamori の不審メールチェックが自動で送っています。",
        "en": "This reply was sent automatically by mamori's suspicious-mail check.",
    },
}


def render_text(report: Report, lang: str) -> str:
    """The verdict and every reason in one language, as plain text."""
    lang = "en" if lang == "en" else "ja"
    verdict = VERDICT_LABELS[report.verdict][lang]
    lines = [
        f"{HEADINGS['verdict'][lang]}: {verdict} ({HEADINGS['score'][lang]} {report.score}/100)",
        SUMMARY[report.verdict][lang],
        "",
        f"{HEADINGS['subject'][lang]}: {report.subject or HEADINGS['none'][lang]}",
        f"{HEADINGS['from'][lang]}: {report.from_ or HEADINGS['none'][lang]}",
        "",
        f"{HEADINGS['reasons'][lang]}:",
    ]
    if not report.signals:
        lines.append(f"  {HEADINGS['none'][lang]}")
    for number, signal in enumerate(report.signals, start=1):
        severity = SEVERITY_LABELS.get(signal.severity, SEVERITY_LABELS["info"])[lang]
        title = signal.title.get(lang) or signal.id
        lines.append(f"{number}. [{severity}] {title}")
        lines.append(f"   {HEADINGS['evidence'][lang]}: {signal.evidence}")
        lines.append(f"   {signal.explanation.get(lang, '')}")
        lines.append(f"   {HEADINGS['advice'][lang]}: {signal.advice.get(lang, '')}")
        lines.append(f"   {HEADINGS['source'][lang]}: {signal.source}")
    return "\n".join(lines)


def reply_language(lang: str | None) -> str:
    """ "en" for English readers, "ja" for everyone else (the product's first language)."""
    return "en" if str(lang or "")[:2] == "en" else "ja"


def footer(lang: str) -> str:
    return HEADINGS["footer"][reply_language(lang)]


def compose_reply(report: Report, *, to: str, from_addr: str, lang: str = "ja") -> EmailMessage:
    """A reply with the verdict in the reader's language only."""
    language = reply_language(lang)
    label = VERDICT_LABELS[report.verdict]
    reply = EmailMessage()
    reply["From"] = from_addr
    reply["To"] = to
    # Any line break (CR, LF, U+2028 …) or NUL would break the header: one line of words.
    original = " ".join((report.subject or "").replace("\x00", "").split())[:120]
    reply["Subject"] = f"[mamori] {label[language]}: {original}".strip()
    reply["Date"] = formatdate(localtime=False)
    reply["Message-ID"] = make_msgid(domain=from_addr.rpartition("@")[2] or None)
    reply["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply loops
    if report.message_id:
        reference = "".join(report.message_id.replace("\x00", "").split())[:900]
        if reference:
            reply["References"] = reference
    body = "\n".join([render_text(report, language), "", "-- ", footer(language)])
    reply.set_content(body, charset="utf-8")
    reply["Content-Language"] = language  # after set_content, which drops Content-* headers
    return reply
