"""The suspicious-mail analyser: raw bytes in, a verdict with plain-language reasons out.

Pure Python, no Django. `analyse()` never raises on bad input: parse problems and hit caps
become signals.
"""

from __future__ import annotations

import time

from .analysers import ALWAYS_RUN, ANALYSERS, Work
from .environment import environment
from .model import Context, Limits, Report, Signal, score_and_verdict
from .msg import msg_to_eml
from .parse import OLE_MAGIC, ParsedMail, parse_message
from .signals import Collector

__all__ = ["Context", "Limits", "Report", "Signal", "analyse"]


def analyse(raw: bytes, context: Context | None = None, limits: Limits | None = None) -> Report:
    return _analyse(raw, context, limits, nested=False)


def _analyse(raw: bytes, context: Context | None, limits: Limits | None, nested: bool) -> Report:
    limits = limits or Limits()
    context = context or Context()
    # The brand and lookalike tables are built once per context (cached) before the clock starts:
    # the time budget is for reading the mail, not for loading the catalogue.
    environment(context)
    out = Collector(deadline=time.monotonic() + limits.time_budget_seconds)
    mail = ParsedMail()
    facts: dict[str, object] = {"format": "eml"}
    try:
        data = bytes(raw)
        if data.startswith(OLE_MAGIC):
            facts["format"] = "msg"
            converted = msg_to_eml(data[: limits.max_message_bytes], limits)
            if converted is None:
                out.add("message.unparseable", "Outlook .msg / OLE file that is not a mail")
                data = b""
            else:
                data = converted
        mail = parse_message(data, limits)
        if mail.report_kind:
            _check_report(mail, context, limits, out, facts, nested)
        else:
            _run_checks(mail, context, limits, out, facts)
    except Exception as exc:  # the last guard: a report, never a crash
        out.add("message.unparseable", f"internal error: {type(exc).__name__}")
    return _report(mail, out, facts)


def _run_checks(
    mail: ParsedMail, context: Context, limits: Limits, out: Collector, facts: dict[str, object]
) -> None:
    work = Work(mail=mail, env=environment(context), limits=limits, out=out)
    for name, analyser in ANALYSERS.items():
        if name in ALWAYS_RUN or not out.out_of_time():
            analyser(work)
    for hit in mail.limits_hit[:5]:
        out.add("message.limit", hit)
    if out.out_of_time():
        out.add("message.limit", f"time budget {limits.time_budget_seconds:g} s exceeded")
    if mail.header_count == 0 and not out.has("message.unparseable"):
        # Not a mail at all (or its headers are unreadable): say so rather than "looks safe".
        out.add("message.unparseable", "; ".join(mail.problems[:3]) or "no mail headers")
    facts["encrypted_archives"] = work.attachments.encrypted_archives
    facts["encrypted_office"] = work.attachments.encrypted_office
    facts["macro_documents"] = work.attachments.macro_documents
    facts["attachments"] = [a.name for a in mail.attachments]
    facts["password_notice"] = bool(work.content.get("password_notice"))
    facts["link_count"] = work.links.count


REPORT_ANALYSERS = ("sender",)


def _check_report(
    mail: ParsedMail,
    context: Context,
    limits: Limits,
    out: Collector,
    facts: dict[str, object],
    nested: bool,
) -> None:
    """A delivery report, feedback report or auto-reply: its own wording is no lure.

    Only the sender checks run on the report itself; the returned original is analysed on its
    own, and a suspicious original (often a forgery in our name) makes the report 注意.
    Nothing about a report is 危険 by itself.
    """
    facts["report_kind"] = mail.report_kind
    work = Work(mail=mail, env=environment(context), limits=limits, out=out)
    for name in REPORT_ANALYSERS:
        ANALYSERS.get(name)(work)
    out.add("message.delivery_report", mail.report_kind)
    if mail.original and not nested:
        inner = _analyse(mail.original, context, limits, nested=True)
        if inner.verdict != "safe":
            reasons = ", ".join(s.id for s in inner.signals if s.severity in {"high", "medium"})
            out.add(
                "message.report_suspicious_original",
                f"{inner.from_address or '?'} / {inner.subject[:80]} ({reasons[:200]})",
            )
    facts["attachments"] = [a.name for a in mail.attachments]
    facts["link_count"] = 0
    out.cap_severity("medium")


def _report(mail: ParsedMail, out: Collector, facts: dict[str, object]) -> Report:
    signals = out.sorted()
    score, verdict = score_and_verdict(signals)
    return Report(
        verdict=verdict,
        score=score,
        subject=mail.subject,
        from_=mail.from_header,
        from_address=mail.sender.address,
        date=mail.date,
        date_text=mail.date_text,
        message_id=mail.message_id,
        signals=signals,
        facts=dict(facts),
    )
