"""What the assessment pages show, in the reader's language (kept out of the views so the
views stay thin and the PDF/Word exports share the same wording)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mamori.findings.models import Finding, Severity
from mamori.orgs.models import Organization
from mamori.reports.pdf import build_pdf, paragraph, spacer

from . import queries
from .forms import SectionForm, never_field
from .models import SecurityPolicy
from .questionnaire import load_all
from .results import Result
from .security_action import measures, security_action_level

FIRST_ACTIONS = 5
HEADING_RE = re.compile(r"^\s*(\d+[．.]|[■◆●])")


def section_questions(form: SectionForm, scored: Result) -> list[dict[str, Any]]:
    """Each visible question with its field, its citation and, when the saved answer is weak,
    the advice for it (shown next to the answer)."""
    weak = {w.question_id: w for w in scored.weak}
    code = "en" if _is_en() else "ja"
    rows = []
    for question in form.visible:
        advice = weak.get(question.id)
        rows.append(
            {
                "id": question.id,
                "field": form[question.id],
                "never": form[never_field(question.id)] if question.type == "date" else None,
                "cite": question.cite,
                "weak": advice.guidance.get(code) if advice else "",
                "severity": advice.severity if advice else "",
            }
        )
    return rows


def _is_en() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "ja").startswith("en")


def result_view(result: Result, code: str, findings: Mapping[str, Finding]) -> dict[str, Any]:
    weak = []
    for item in result.weak:
        finding = findings.get(item.finding_key)
        weak.append(
            {
                "title": item.title.get(code),
                "question": item.question.get(code),
                "answer": item.answer_label.get(code) if item.answer_label else "—",
                "severity": item.severity,
                "severity_label": Severity(item.severity).label
                if item.severity in Severity.values
                else item.severity,
                "guidance": item.guidance.get(code),
                "cite": item.cite,
                "unknown": item.unknown,
                "finding": finding,
            }
        )
    return {
        "total": result.total,
        "max": result.max,
        "percent": result.percent,
        "band": result.band.label.get(code),
        "band_key": result.band.key,
        "advice": result.band.advice.get(code),
        "sections": [
            {
                "title": s.title.get(code),
                "percent": s.percent,
                "total": s.total,
                "max": s.max,
                "weak": s.weak,
            }
            for s in result.sections
        ],
        "first_actions": weak[:FIRST_ACTIONS],
        "more_actions": weak[FIRST_ACTIONS:],
        "weak_count": len(weak),
        "unanswered": len(result.unanswered),
    }


def security_action_view(org: Organization, code: str) -> dict[str, Any]:
    latest = queries.completed(org, "ipa_basic").only("answers", "completed_at").first()
    answers = latest.answers if latest is not None else {}
    done = queries.completed(org).exists()
    policy = queries.policy_of(org)
    status = security_action_level(answers, done, bool(policy and policy.in_place))
    return {
        "status": status,
        "reasons": [r.get(code) for r in status.reasons],
        "measures": [
            {"label": m.label.get(code), "met": m.id not in status.missing_measures}
            for m in measures()
        ],
        "basic_assessment": latest,
        "assessment_done": done,
        "policy": policy,
        "stars": "★" * status.level,
    }


def _blocks(body: str) -> list[str]:
    return [block.strip() for block in re.split(r"\n\s*\n", body) if block.strip()]


def policy_pdf_bytes(policy: SecurityPolicy) -> bytes:
    story: list[Any] = [paragraph(policy.title, "title"), spacer(2)]
    for block in _blocks(policy.body):
        first, _, rest = block.partition("\n")
        if HEADING_RE.match(first):
            story.append(paragraph(first, "h3"))
            if rest.strip():
                story.append(paragraph(rest.strip()))
        else:
            story.append(paragraph(block))
        story.append(spacer(1.5))
    return build_pdf(story, title=policy.title)


DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def policy_docx_bytes(policy: SecurityPolicy) -> bytes:
    """The edited policy as a real Word document (.docx, python-docx): title, numbered
    headings and paragraphs, in a Japanese font. Text is inserted as text, never as markup."""
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Yu Mincho"
    style.font.size = Pt(10.5)
    # East Asian text takes the eastAsia font, not the Latin one.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Yu Mincho")
    document.core_properties.title = policy.title[:255]
    document.core_properties.language = policy.language
    heading = document.add_heading(_docx_text(policy.title), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in _blocks(policy.body):
        first, _, rest = block.partition("\n")
        if HEADING_RE.match(first):
            document.add_heading(_docx_text(first), level=2)
            block = rest.strip()
            if not block:
                continue
        paragraph = document.add_paragraph()
        for number, line in enumerate(block.splitlines()):
            if number:
                paragraph.add_run().add_break()
            paragraph.add_run(_docx_text(line))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_text(text: str) -> str:
    """XML 1.0 cannot hold control characters; Word would refuse the file."""
    return "".join(ch for ch in text if ch in "\t" or ord(ch) >= 0x20)


def questionnaire_titles(code: str) -> dict[str, str]:
    return {q.id: q.title.get(code) for q in load_all().values()}
