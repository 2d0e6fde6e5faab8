"""Personal-data breach clock (個人情報保護法 第26条 漏えい等報告・本人通知).

``assess(answers) -> Decision``
    A report to the Personal Information Protection Commission (PPC) and a notice to the
    people affected are required when a leak, loss or damage of personal data happened or may
    have happened (「おそれ」 counts) and at least one of these applies (施行規則 第7条):
      1. 要配慮個人情報 (sensitive personal data) is involved;
      2. misuse could cause financial damage (card numbers, banking credentials …);
      3. it was or may have been done with malicious intent (不正の目的: unauthorised access,
         theft by an insider …);
      4. more than 1,000 people are involved (1,000 exactly is not "more than").
    Exception: data protected by strong encryption or similar (高度な暗号化等の秘匿化) whose key
    did not leak.
    Three further paths (each with its reason text and a citation in breach_report.yaml):
      * ``acquiring``: personal information the business was *in the course of acquiring*
        (input to a web form or checkout that was skimmed) counts for situation 3 only
        (施行規則 第7条第3号 as amended from 2024-04-01, 通則編 3-5-3-1); it does not make the
        other three situations apply.
      * ``loss_only`` / ``copy_exists``: loss or damage (滅失・毀損) is a 漏えい等 whatever its
        cause; it is not one when the same data remains elsewhere (a backup with the same
        content, 通則編 3-5-1-2/3-5-1-3, PPC Q&A 4-5), so a loss with a copy is not reportable.
      * ``entrusted``: when the data was entrusted by a client (委託元), the contractor may
        instead notify the client promptly and is then freed of the report and the notice
        (法 第26条第1項ただし書, 施行規則 第9条, 通則編 3-5-3-5).
    ``known_first_by`` (free text) records who in the business knew first: the clock starts
    when any part of the business knew, not when the person in charge heard (通則編 3-5-3-3). Unknown answers give the status ``undetermined`` with the list of what is
    missing; the caller should prepare as if a report is required.

``deadlines(aware_at, malicious) -> Deadlines``
    The rule implemented — stated precisely because the guidance leaves room:
    * The clock starts at ``aware_at`` (the moment the organisation became aware), converted to
      Asia/Tokyo. The calendar day of ``aware_at`` in Tokyo is **day 1**.
    * 速報 (preliminary report): the PPC guideline says 「速やかに」, in practice 概ね3〜5日以内.
      We remind on day 3 at 09:00 and set the due time to the end of day 5 (23:59:59 JST).
      The preliminary due date is **not** moved for weekends or holidays: the guidance gives no
      such extension, "概ね" already carries the slack, and the PPC's online form is open every
      day, so the earlier date is the safe one.
    * 確報 (final report): 30 days (60 days when 不正の目的によるおそれ). Weekends and holidays
      count as days. If day 30 (or 60) falls on a Saturday, a Sunday, a national holiday
      (祝日, 振替休日 and 国民の休日, from the ``holidays`` package's JP calendar) or in the
      government New Year closure (12月29日〜1月3日), the due date becomes the next day that is
      none of these. Due time is the end of that day (23:59:59 JST).
    Reasoning and sources: the 3〜5 day / 30 day / 60 day periods counted from the moment of
    awareness are as the PPC guideline (通則編 3-5-3-3, 3-5-3-4) and law-firm summaries of it
    state. Our reading of the guideline for the 確報 is that weekends and holidays count as
    days, and that a deadline falling on a Saturday, Sunday, holiday or in the New Year closure
    (12/29–1/3) moves to the following day; we take "the following day" to mean the next day
    that is none of these (Saturday → Monday), as is usual for Japanese administrative
    deadlines. The guideline's own wording could not be retrieved in this environment, so the
    weekend/holiday part rests on that reading: it is written out here and in
    ``rules.deadlines`` of ``breach_report.yaml`` and tested exactly, and wherever a reading was
    uncertain we chose the earlier, safer date (the day of awareness counts as day 1; the 速報 is
    never extended).

Pure Python: no Django imports. Times must be timezone-aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from mamori.incidents.playbooks import CONTENT_DIR, Text
from mamori.incidents.yamlsafe import read_yaml_file

TOKYO = ZoneInfo("Asia/Tokyo")
PRELIMINARY_DAYS = 5
PRELIMINARY_REMINDER_DAY = 3
FINAL_DAYS = 30
FINAL_DAYS_MALICIOUS = 60
MORE_THAN = 1000
REMINDER_TIME = time(9, 0)
END_OF_DAY = time(23, 59, 59)
FINAL_REMINDER_DAYS_BEFORE = (7, 1)
MIN_YEAR, MAX_YEAR = 2000, 2200  # outside this an awareness date is a data error
MAX_SHIFT_DAYS = 14  # the longest run of closed days is far shorter; a guard against bad data

ANSWER_KEYS = (
    "personal_data",
    "sensitive",
    "financial_risk",
    "malicious",
    "affected_count",
    "encrypted",
    "key_leaked",
    "acquiring",
    "loss_only",
    "copy_exists",
    "entrusted",
    "known_first_by",
)
TEXT_ANSWER_KEYS = frozenset({"known_first_by"})
MAX_TEXT_ANSWER_CHARS = 200
CLIENT_NOTICE_DAYS = 2  # our target for notifying the client: end of day 2 (see reasons.entrusted)
_TRUE = frozenset({"yes", "y", "true", "1", "はい", "ある"})
_FALSE = frozenset({"no", "n", "false", "0", "いいえ", "ない"})


# --------------------------------------------------------------------------- texts


@dataclass(frozen=True)
class ReportItem:
    id: str
    text: Text
    preliminary: str  # "known": what is known at the time
    final: str  # "required"


@dataclass(frozen=True)
class BreachTexts:
    report_items: tuple[ReportItem, ...]
    notice_items: tuple[ReportItem, ...]
    reasons: Mapping[str, Text]
    answer_labels: Mapping[str, Text]
    deadline_rule: Text
    shift_reasons: Mapping[str, Text]
    client_notice_items: tuple[ReportItem, ...] = ()
    public_notice_items: tuple[ReportItem, ...] = ()
    enquiry_desk_checklist: tuple[Text, ...] = ()


def _text(value: object) -> Text:
    if isinstance(value, dict):
        return Text(ja=str(value.get("ja", "")).strip(), en=str(value.get("en", "")).strip())
    return Text(ja="", en="")


@lru_cache(maxsize=1)
def texts() -> BreachTexts:
    """The breach-clock texts from breach_report.yaml (ja/en)."""
    data, error = read_yaml_file(CONTENT_DIR / "breach_report.yaml")
    if error or not isinstance(data, dict):
        raise ValueError(f"breach_report.yaml: {error or 'must be a mapping'}")

    def items(key: str) -> tuple[ReportItem, ...]:
        return tuple(
            ReportItem(
                id=str(item["id"]),
                text=_text(item),
                preliminary=str(item.get("preliminary", "")),
                final=str(item.get("final", "")),
            )
            for item in data.get(key) or []
        )

    rules = data.get("rules") or {}
    return BreachTexts(
        report_items=items("report_items"),
        notice_items=items("notice_items"),
        reasons={k: _text(v) for k, v in (data.get("reasons") or {}).items()},
        answer_labels={k: _text(v) for k, v in (data.get("answer_labels") or {}).items()},
        deadline_rule=_text(rules.get("deadlines")),
        shift_reasons={k: _text(v) for k, v in (rules.get("shift_reasons") or {}).items()},
        client_notice_items=items("client_notice_items"),
        public_notice_items=items("public_notice_items"),
        enquiry_desk_checklist=tuple(_text(v) for v in data.get("enquiry_desk_checklist") or []),
    )


def report_items() -> tuple[ReportItem, ...]:
    """What the 速報/確報 report to the PPC needs (施行規則 第8条第1項)."""
    return texts().report_items


def notice_items() -> tuple[ReportItem, ...]:
    """What a notice to the people affected carries."""
    return texts().notice_items


def client_notice_items() -> tuple[ReportItem, ...]:
    """What a contractor's notice to its client (委託元) carries (施行規則 第9条)."""
    return texts().client_notice_items


def public_notice_items() -> tuple[ReportItem, ...]:
    """What a public notice (公表) carries (通則編 3-5-4-5)."""
    return texts().public_notice_items


def enquiry_desk_checklist() -> tuple[Text, ...]:
    """Steps to set up the enquiry desk before notices go out."""
    return texts().enquiry_desk_checklist


def client_notice_due(aware_at: datetime) -> datetime:
    """mamori's target for a contractor's notice to the client: end of day 2 in Tokyo.

    The law says 「速やかに」 (施行規則 第9条); day 2 leaves the client time for its own 速報.
    """
    if not isinstance(aware_at, datetime) or aware_at.utcoffset() is None:
        raise ValueError("aware_at must be a timezone-aware datetime")
    day_one = aware_at.astimezone(TOKYO).date()
    return _end_of(day_one + timedelta(days=CLIENT_NOTICE_DAYS - 1))


@dataclass(frozen=True)
class DraftLine:
    item: ReportItem
    value: str  # what the organisation has written so far ("" when nothing yet)
    missing: bool


@dataclass(frozen=True)
class ReportDraft:
    stage: str  # "preliminary" (速報) or "final" (確報)
    lines: tuple[DraftLine, ...]
    complete: bool  # final: every item filled; preliminary: at least the summary


MAX_DRAFT_VALUE_CHARS = 20_000


def report_draft(stage: str, known: Mapping[str, object] | None = None) -> ReportDraft:
    """The report to the PPC as a list of items with what is known so far.

    The 速報 carries what is known at the time, so it is complete once the summary is written;
    the 確報 needs every item. Unknown stages are treated as "final" (the stricter one); values
    that are not strings are ignored and long values are cut.
    """
    stage = "preliminary" if stage == "preliminary" else "final"
    values = known if isinstance(known, Mapping) else {}
    lines = []
    for item in report_items():
        raw = values.get(item.id)
        value = raw.strip()[:MAX_DRAFT_VALUE_CHARS] if isinstance(raw, str) else ""
        lines.append(DraftLine(item=item, value=value, missing=not value))
    if stage == "preliminary":
        complete = any(line.item.id == "summary" and not line.missing for line in lines)
    else:
        complete = not any(line.missing for line in lines)
    return ReportDraft(stage=stage, lines=tuple(lines), complete=complete)


def notice_draft(
    items: tuple[ReportItem, ...], known: Mapping[str, object] | None = None
) -> tuple[DraftLine, ...]:
    """A notice (to the people, the public or the client) filled from the PPC report draft.

    Items share ids with the report items where the content is the same, so the notices stay in
    step with what the report says; other items start empty.
    """
    values = known if isinstance(known, Mapping) else {}
    lines = []
    for item in items:
        raw = values.get(item.id)
        value = raw.strip()[:MAX_DRAFT_VALUE_CHARS] if isinstance(raw, str) else ""
        lines.append(DraftLine(item=item, value=value, missing=not value))
    return tuple(lines)


# --------------------------------------------------------------------------- assess


@dataclass(frozen=True)
class BreachAnswers:
    """Answers to the decision questions; None means "not known yet"."""

    personal_data: bool | None = None
    sensitive: bool | None = None
    financial_risk: bool | None = None
    malicious: bool | None = None
    affected_count: int | None = None
    encrypted: bool | None = None
    key_leaked: bool | None = None
    acquiring: bool | None = None
    loss_only: bool | None = None
    copy_exists: bool | None = None
    entrusted: bool | None = None
    known_first_by: str | None = None


@dataclass(frozen=True)
class Decision:
    status: str  # "required", "not_required" or "undetermined"
    report_to_ppc: bool
    notify_individuals: bool
    triggers: tuple[str, ...]  # which of sensitive / financial_risk / malicious / over_1000
    reasons: tuple[Text, ...]
    missing: tuple[str, ...]  # answer keys still unknown that matter
    invalid: tuple[str, ...]  # answer keys whose value could not be read (treated as unknown)
    malicious: bool  # use the 60-day final deadline
    encryption_exception: bool
    contractor_path: bool = False  # entrusted data: notifying the client replaces the report
    copy_exception: bool = False  # loss or damage with the same data kept elsewhere


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        folded = value.strip().casefold()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
    return None


def _as_count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().replace(",", "").isdigit():
        return int(value.strip().replace(",", ""))
    return None


def _read_answers(answers: object) -> tuple[BreachAnswers, tuple[str, ...]]:
    if isinstance(answers, BreachAnswers):
        return answers, ()
    if not isinstance(answers, Mapping):
        return BreachAnswers(), ()
    values: dict[str, object] = {}
    invalid: list[str] = []
    for key in ANSWER_KEYS:
        raw = answers.get(key)
        if raw is None or raw == "":
            values[key] = None
            continue
        if key in TEXT_ANSWER_KEYS:
            text = raw.strip()[:MAX_TEXT_ANSWER_CHARS] if isinstance(raw, str) else ""
            if not text:
                invalid.append(key)
            values[key] = text or None
            continue
        parsed = _as_count(raw) if key == "affected_count" else _as_bool(raw)
        if parsed is None:
            invalid.append(key)
        values[key] = parsed
    return BreachAnswers(**values), tuple(invalid)  # type: ignore[arg-type]


def assess(answers: BreachAnswers | Mapping[str, object] | None) -> Decision:
    """Decide whether the PPC report and the notice to individuals are required.

    Accepts a BreachAnswers or a plain mapping (as from a form: booleans, "yes"/"no", a count
    as int or digits). Never raises: unreadable values are listed in ``invalid`` and treated as
    unknown.
    """
    a, invalid = _read_answers(answers)
    t = texts()
    reasons: list[Text] = []

    over_1000: bool | None = None if a.affected_count is None else a.affected_count > MORE_THAN
    # Data still being acquired (a skimmed form) counts for situation 3 only (規則 第7条第3号).
    acquiring_only = a.acquiring is True and a.personal_data is not True
    criteria = {
        "sensitive": None if acquiring_only else a.sensitive,
        "financial_risk": None if acquiring_only else a.financial_risk,
        "malicious": a.malicious,
        "over_1000": None if acquiring_only else over_1000,
    }
    if acquiring_only:
        criteria = {"malicious": a.malicious}
    triggers = tuple(k for k, v in criteria.items() if v is True)
    unknown = [
        ("affected_count" if k == "over_1000" else k) for k, v in criteria.items() if v is None
    ]
    malicious = a.malicious is True

    def decision(
        status: str,
        exception: bool = False,
        missing: tuple[str, ...] = (),
        copy_exception: bool = False,
    ) -> Decision:
        required = status == "required"
        if required:
            reasons.append(t.reasons["notify_individuals"])
        # The contractor path and who knew first come first; the decision's own reason stays last.
        contractor = a.entrusted is True and status != "not_required"
        first: list[Text] = []
        if a.known_first_by:
            first.append(_fill(t.reasons["known_first_by"], who=a.known_first_by))
        if contractor:
            first.append(t.reasons["entrusted"])
        elif a.entrusted is None and status != "not_required":
            first.append(t.reasons["entrusted_unknown"])
        reasons[0:0] = first
        return Decision(
            status=status,
            report_to_ppc=required,
            notify_individuals=required,
            triggers=triggers,
            reasons=tuple(reasons),
            missing=missing,
            invalid=invalid,
            malicious=malicious,
            encryption_exception=exception,
            contractor_path=contractor,
            copy_exception=copy_exception,
        )

    if a.loss_only is True and a.copy_exists is True:
        # Nothing left the business and the same data remains: not a 滅失 (通則編 3-5-1-2, Q&A 4-5).
        reasons.append(t.reasons["loss_with_copy"])
        return decision("not_required", copy_exception=True)
    if acquiring_only:
        reasons.append(t.reasons["acquiring"])
    if a.loss_only is True:
        reasons.append(t.reasons["loss_counts"])

    if a.personal_data is False and a.acquiring is not True and not triggers:
        reasons.append(t.reasons["not_personal_data"])
        return decision("not_required")

    for key in triggers:
        if key == "over_1000":
            reasons.append(_fill(t.reasons["over_1000"], count=a.affected_count))
        else:
            reasons.append(t.reasons[{"financial_risk": "financial"}.get(key, key)])
    if over_1000 is False:
        reasons.append(_fill(t.reasons["not_over_1000"], count=a.affected_count))

    if a.encrypted is True and a.key_leaked is False:
        reasons.append(t.reasons["encrypted_exception"])
        return decision("not_required", exception=True)
    if a.encrypted is True and a.key_leaked is True:
        reasons.append(t.reasons["encrypted_key_leaked"])

    missing = tuple(
        k
        for k in ("personal_data",)
        if a.personal_data is None and a.acquiring is not True and not triggers
    )
    missing += tuple(k for k in unknown if not triggers)
    if a.loss_only is True and a.copy_exists is None:
        missing += ("copy_exists",)
    if a.encrypted is True and a.key_leaked is None and (triggers or missing):
        # Encryption would be the exception, but only if the key stayed safe: ask.
        reasons.append(t.reasons["encrypted_key_unknown"])
        missing += ("key_leaked",)
    if missing:
        reasons.append(_missing_reason(t, missing))
        return decision("undetermined", missing=missing)
    if triggers:
        reasons.append(t.reasons["suspected_counts"])
        return decision("required")
    reasons.append(t.reasons["none_apply"])
    return decision("not_required")


def _fill(text: Text, **values: object) -> Text:
    ja, en = text.ja, text.en
    for key, value in values.items():
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        ja = ja.replace("{" + key + "}", shown)
        en = en.replace("{" + key + "}", shown)
    return Text(ja=ja, en=en)


def _missing_reason(t: BreachTexts, missing: tuple[str, ...]) -> Text:
    labels = [t.answer_labels.get(k, Text(ja=k, en=k)) for k in missing]
    ja = "、".join(label.ja for label in labels)
    en = ", ".join(label.en for label in labels)
    base = t.reasons["undetermined"]
    return Text(ja=base.ja.replace("{missing}", ja), en=base.en.replace("{missing}", en))


# --------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Shift:
    """A closed day the final deadline was moved over, and why."""

    day: date
    reason: Text


@dataclass(frozen=True)
class Deadlines:
    aware_at: datetime  # in Asia/Tokyo
    malicious: bool
    preliminary_reminder: datetime  # day 3, 09:00 JST
    preliminary_due: datetime  # end of day 5, JST
    final_days: int  # 30 or 60
    final_nominal: date  # day 30 / 60 before any move
    final_due: datetime  # end of the (possibly moved) due day, JST
    final_shifts: tuple[Shift, ...]
    final_reminders: tuple[datetime, ...]  # 7 days and 1 day before the final due, 09:00 JST
    rule: Text

    def reminders(self) -> tuple[tuple[str, datetime], ...]:
        """Every reminder as (kind, when), in time order, for the deadline calendar."""
        items = [("preliminary_reminder", self.preliminary_reminder)]
        items.append(("preliminary_due", self.preliminary_due))
        items.extend(("final_reminder", when) for when in self.final_reminders)
        items.append(("final_due", self.final_due))
        return tuple(sorted(items, key=lambda kv: kv[1]))


@lru_cache(maxsize=64)
def _japan_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def closed_reason(day: date) -> str | None:
    """Why the PPC counts ``day`` as closed for a final deadline, or None if it is open."""
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return "new_year"
    if day in _japan_holidays(day.year):
        return "holiday"
    if day.weekday() == 5:
        return "saturday"
    if day.weekday() == 6:
        return "sunday"
    return None


def _end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=TOKYO)


def _at(day: date, when: time) -> datetime:
    return datetime.combine(day, when, tzinfo=TOKYO)


def deadlines(aware_at: datetime, malicious: bool) -> Deadlines:
    """The 速報 and 確報 deadlines from the moment the organisation became aware.

    ``aware_at`` must be timezone-aware and between MIN_YEAR and MAX_YEAR (ValueError
    otherwise); results are in Asia/Tokyo.
    """
    if (
        not isinstance(aware_at, datetime)
        or aware_at.tzinfo is None
        or aware_at.utcoffset() is None
    ):
        raise ValueError("aware_at must be a timezone-aware datetime")
    aware = aware_at.astimezone(TOKYO)
    day_one = aware.date()
    if not MIN_YEAR <= day_one.year <= MAX_YEAR:
        raise ValueError(f"aware_at must fall between {MIN_YEAR} and {MAX_YEAR}")
    t = texts()

    preliminary_due = _end_of(day_one + timedelta(days=PRELIMINARY_DAYS - 1))
    preliminary_reminder = _at(
        day_one + timedelta(days=PRELIMINARY_REMINDER_DAY - 1), REMINDER_TIME
    )

    final_days = FINAL_DAYS_MALICIOUS if malicious else FINAL_DAYS
    nominal = day_one + timedelta(days=final_days - 1)
    due_day = nominal
    shifts: list[Shift] = []
    for _ in range(MAX_SHIFT_DAYS):
        reason = closed_reason(due_day)
        if reason is None:
            break
        shifts.append(Shift(day=due_day, reason=t.shift_reasons.get(reason, Text(reason, reason))))
        due_day += timedelta(days=1)
    final_due = _end_of(due_day)
    final_reminders = tuple(
        when
        for before in FINAL_REMINDER_DAYS_BEFORE
        if (when := _at(due_day - timedelta(days=before), REMINDER_TIME)) > aware
    )
    return Deadlines(
        aware_at=aware,
        malicious=bool(malicious),
        preliminary_reminder=preliminary_reminder,
        preliminary_due=preliminary_due,
        final_days=final_days,
        final_nominal=nominal,
        final_due=final_due,
        final_shifts=tuple(shifts),
        final_reminders=final_reminders,
        rule=t.deadline_rule,
    )
