"""Thin function views: every page is organisation-scoped through ``org_view``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.findings.models import Finding
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import queries, services
from .chart import section_chart_svg
from .forms import (
    ConflictForm,
    PolicyForm,
    PolicyGenerateForm,
    SectionForm,
    StartForm,
    lang,
)
from .models import Assessment
from .presentation import (
    DOCX_MEDIA_TYPE,
    policy_docx_bytes,
    policy_pdf_bytes,
    result_view,
    section_questions,
    security_action_view,
)
from .report import build_report, html_charts, render_report_pdf
from .results import Result
from .scoring import compare as compare_results
from .scoring import score

PAGE_SIZE = 30


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    return get_object_or_404(scoped(Assessment, request.org), pk=pk)


@org_view(read=Role.VIEWER, write=Role.EDITOR)
def assessment_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid():
            assessment = services.start(request, request.org, form.cleaned_data["questionnaire"])
            return redirect(
                "assessments:answer", org_slug=request.org.slug, pk=assessment.pk, section=1
            )
    else:
        form = StartForm(initial={"questionnaire": "ipa_basic"})
    page = Paginator(queries.assessments(request.org), PAGE_SIZE).get_page(request.GET.get("page"))
    questionnaires = services.load_all()
    code = lang()
    return render(
        request,
        "assessments/list.html",
        {
            "form": form,
            "page": page,
            "query": "",
            "titles": {q.id: q.title.get(code) for q in questionnaires.values()},
            "catalogue": [
                {
                    "id": q.id,
                    "title": q.title.get(code),
                    "description": q.description.get(code),
                    "minutes": q.minutes,
                    "questions": len(q.questions),
                }
                for q in questionnaires.values()
            ],
            "posture": queries.posture(request.org),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


@org_view()
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if assessment.is_completed:
        return redirect("assessments:result", org_slug=request.org.slug, pk=pk)
    if not request.membership.allows(Role.EDITOR):
        return redirect("assessments:review", org_slug=request.org.slug, pk=pk)
    return redirect("assessments:answer", org_slug=request.org.slug, pk=pk, section=1)


@org_view(read=Role.EDITOR, write=Role.EDITOR)
def answer_section(request: HttpRequest, pk: int, section: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if assessment.is_completed:
        return redirect("assessments:result", org_slug=request.org.slug, pk=pk)
    questionnaire = services.questionnaire_of(assessment)
    if not 1 <= section <= len(questionnaire.sections):
        raise Http404
    current = questionnaire.sections[section - 1]
    answer_set = assessment.answer_sets.filter(member=request.user).first()
    saved: dict[str, Any] = dict(answer_set.answers) if answer_set else {}
    scored = score(questionnaire, saved, today=timezone.localdate())
    visible = [q.question_id for q in scored.questions if q.visible]
    notice = ""
    if request.method == "POST":
        # Only the questions the page showed are read (a post without them changes nothing).
        shown = request.POST.getlist("shown")
        form = SectionForm(questionnaire, current, shown, request.POST)
        if form.is_valid():
            answer_set = services.save_section(
                request, assessment, current.id, form.answers(), [q.id for q in form.visible]
            )
            saved = dict(answer_set.answers)
            scored = score(questionnaire, saved, today=timezone.localdate())
            now_visible = [
                q.question_id for q in scored.questions if q.visible and q.section_id == current.id
            ]
            was_shown = {q.id for q in form.visible}
            if set(now_visible) - was_shown:
                # An answer revealed a follow-up question in this section: ask it first.
                messages.info(request, _("Saved. Your answer added a question below."))
                return redirect(request.path)
            messages.success(request, _("Saved."))
            target = request.POST.get("go", "next")
            if target == "review" or section >= len(questionnaire.sections):
                return redirect("assessments:review", org_slug=request.org.slug, pk=pk)
            if target == "previous" and section > 1:
                return redirect(
                    "assessments:answer", org_slug=request.org.slug, pk=pk, section=section - 1
                )
            if target == "stay":
                return redirect(request.path)
            return redirect(
                "assessments:answer", org_slug=request.org.slug, pk=pk, section=section + 1
            )
        notice = _("Please correct the answers marked below; nothing was saved.")
    else:
        form = SectionForm(questionnaire, current, visible, initial_answers=saved)
    return render(
        request,
        "assessments/answer.html",
        {
            "assessment": assessment,
            "questionnaire": questionnaire,
            "title": questionnaire.title.get(lang()),
            "section": current,
            "section_title": current.title.get(lang()),
            "section_description": current.description.get(lang()) if current.description else "",
            "number": section,
            "sections": [
                {"number": i, "title": s.title.get(lang()), "current": i == section}
                for i, s in enumerate(questionnaire.sections, start=1)
            ],
            "last": section == len(questionnaire.sections),
            "form": form,
            "questions": section_questions(form, scored),
            "notice": notice,
        },
    )


@org_view(read=Role.VIEWER, write=Role.OWNER)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if assessment.is_completed:
        return redirect("assessments:result", org_slug=request.org.slug, pk=pk)
    return _review_page(request, assessment, None)


def _review_page(request: HttpRequest, assessment: Assessment, form: Any) -> HttpResponse:
    questionnaire = services.questionnaire_of(assessment)
    merged = services.merged_answers(assessment, request.user)
    sets = list(queries.answer_sets(assessment))
    if form is None:
        form = ConflictForm(questionnaire, merged.undecided)
    preview = score(questionnaire, merged.answers, today=timezone.localdate())
    names = {str(s.member_id): s.member.first_name or s.member.email for s in sets}
    code = lang()
    conflicts = []
    for conflict in merged.conflicts:
        question = questionnaire.question(conflict.question_id)
        conflicts.append(
            {
                "question": question.text.get(code) if question else conflict.question_id,
                "values": [
                    (names.get(member, member), _answer_label(question, value, code))
                    for member, value in conflict.values
                ],
                "chosen": _answer_label(question, conflict.chosen, code)
                if conflict.chosen is not None
                else None,
                "reason": conflict.reason,
            }
        )
    return render(
        request,
        "assessments/review.html",
        {
            "assessment": assessment,
            "title": questionnaire.title.get(code),
            "answer_sets": [
                {
                    "name": names[str(s.member_id)],
                    "answered": len(s.answers),
                    "updated_at": s.updated_at,
                }
                for s in sets
            ],
            "questions_total": len(questionnaire.questions),
            "preview": preview,
            "unanswered": len(preview.unanswered),
            "conflicts": conflicts,
            "form": form,
            "can_complete": request.membership.allows(Role.OWNER),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


def _answer_label(question: Any, value: Any, code: str) -> str:
    if question is None:
        return str(value)
    values = value if isinstance(value, list) else [value]
    labels = []
    for item in values:
        choice = question.choice(str(item)) if question.choices else None
        if choice is not None:
            labels.append(choice.label.get(code))
        elif item == "never":
            labels.append(_("Never / not yet"))
        else:
            labels.append(str(item))
    return "、".join(labels) if code == "ja" else ", ".join(labels)


@org_view(read=Role.OWNER, write=Role.OWNER)
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if assessment.is_completed:
        return redirect("assessments:result", org_slug=request.org.slug, pk=pk)
    questionnaire = services.questionnaire_of(assessment)
    merged = services.merged_answers(assessment, request.user)
    form = ConflictForm(questionnaire, merged.undecided, request.POST)
    if not form.is_valid():
        return _review_page(request, assessment, form)
    if not merged.answers and not form.cleaned_data:
        messages.error(request, _("Nobody has answered yet."))
        return redirect("assessments:review", org_slug=request.org.slug, pk=pk)
    services.complete(request, assessment, form.cleaned_data)
    messages.success(request, _("The assessment is completed and its results are kept."))
    return redirect("assessments:result", org_slug=request.org.slug, pk=pk)


@org_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if assessment.is_completed:
        messages.error(request, _("A completed assessment is kept and cannot be deleted."))
        return redirect("assessments:result", org_slug=request.org.slug, pk=pk)
    services.delete_draft(request, assessment)
    messages.success(request, _("The draft was deleted."))
    return redirect("assessments:list", org_slug=request.org.slug)


@org_view()
def result(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if not assessment.is_completed:
        return redirect("assessments:review", org_slug=request.org.slug, pk=pk)
    stored = Result.from_dict(assessment.result)
    previous = queries.previous_completed(assessment)
    previous_result = Result.from_dict(previous.result) if previous else None
    keys = [w.finding_key for w in stored.weak]
    findings = {
        f.key: f for f in scoped(Finding, request.org).filter(key__in=keys).select_related("action")
    }
    code = lang()
    view = result_view(stored, code, findings)
    # Weak answers of the PPC checklist name the register entries they concern.
    from mamori.privacy.checklist import attach_records

    attach_records(request.org, stored, view)
    return render(
        request,
        "assessments/result.html",
        {
            "assessment": assessment,
            "title": services.questionnaire_of(assessment).title.get(code),
            "view": view,
            "chart": section_chart_svg(stored, code, previous=previous_result),
            "previous": previous,
        },
    )


@org_view()
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    after = _assessment(request, pk)
    if not after.is_completed:
        raise Http404
    other_id = request.GET.get("other", "")
    candidates = queries.completed(request.org, after.questionnaire_id).exclude(pk=after.pk)
    before = (
        candidates.filter(pk=int(other_id)).first()
        if other_id.isdigit()
        else queries.previous_completed(after)
    )
    code = lang()
    questionnaire = services.questionnaire_of(after)
    context: dict[str, Any] = {
        "assessment": after,
        "before": before,
        "title": questionnaire.title.get(code),
        "candidates": candidates.defer("answers", "result")[:50],
    }
    if before is not None:
        comparison = compare_results(
            Result.from_dict(before.result), Result.from_dict(after.result)
        )

        def describe(change: Any) -> dict[str, Any]:
            question = questionnaire.question(change.question_id)
            return {
                "question": question.text.get(code) if question else change.question_id,
                "before": _answer_label(question, change.before, code),
                "after": _answer_label(question, change.after, code),
                "points_before": change.points_before,
                "points_after": change.points_after,
            }

        context.update(
            comparison=comparison,
            improved=[describe(c) for c in comparison.improved],
            worsened=[describe(c) for c in comparison.worsened],
            sections=[
                {
                    "title": s.title.get(code),
                    "before": s.percent_before,
                    "after": s.percent_after,
                    "delta": s.delta,
                }
                for s in comparison.sections
            ],
        )
    return render(request, "assessments/compare.html", context)


@org_view()
def security_action(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/security_action.html",
        {
            **security_action_view(request.org, lang()),
            "generate_form": PolicyGenerateForm(initial={"language": lang()}),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


@org_view(read=Role.VIEWER, write=Role.EDITOR)
def policy(request: HttpRequest) -> HttpResponse:
    current = queries.policy_of(request.org)
    if current is None:
        if request.method == "POST":
            messages.error(request, _("Generate a draft first."))
        return redirect("assessments:security_action", org_slug=request.org.slug)
    can_edit = request.membership.allows(Role.EDITOR)
    if request.method == "POST":
        form = PolicyForm(request.POST, instance=current)
        if form.is_valid():
            adopted = form.cleaned_data["adopted"]
            services.update_policy(
                request,
                current,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                adopted_on=(current.adopted_on or timezone.localdate()) if adopted else None,
            )
            messages.success(request, _("The policy was saved."))
            return redirect("assessments:policy", org_slug=request.org.slug)
        current.refresh_from_db()
    else:
        form = PolicyForm(instance=current)
    return render(
        request,
        "assessments/policy.html",
        {"policy": current, "form": form, "can_edit": can_edit},
    )


@org_view(read=Role.EDITOR, write=Role.EDITOR)
@require_POST
def policy_generate(request: HttpRequest) -> HttpResponse:
    form = PolicyGenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check the representative and the language."))
        return redirect("assessments:security_action", org_slug=request.org.slug)
    services.generate_policy(
        request,
        request.org,
        representative=form.cleaned_data["representative"],
        language=form.cleaned_data["language"],
    )
    messages.success(request, _("A draft policy was written. Read it, edit it and adopt it."))
    return redirect("assessments:policy", org_slug=request.org.slug)


def _download(content: bytes, media_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@org_view()
def policy_pdf(request: HttpRequest) -> HttpResponse:
    current = queries.policy_of(request.org)
    if current is None:
        raise Http404
    return _download(policy_pdf_bytes(current), "application/pdf", "security-policy.pdf")


@org_view()
def policy_doc(request: HttpRequest) -> HttpResponse:
    current = queries.policy_of(request.org)
    if current is None:
        raise Http404
    return _download(policy_docx_bytes(current), DOCX_MEDIA_TYPE, "security-policy.docx")


@org_view()
def report(request: HttpRequest) -> HttpResponse:
    data = build_report(request.org, lang())
    return render(request, "assessments/report.html", {"report": data, "charts": html_charts(data)})


@org_view()
def report_pdf(request: HttpRequest) -> HttpResponse:
    data = build_report(request.org, lang())
    name = f"mamori-report-{data.period_end.isoformat()}.pdf"
    return _download(render_report_pdf(data), "application/pdf", name)
