"""The first-hour card: a page and its one-page PDF, in the reader's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from mamori.orgs.access import org_view
from mamori.orgs.models import Role

from .card import build_card, render_card_pdf


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


@org_view()
@require_safe
def first_hour_card(request: HttpRequest) -> HttpResponse:
    language = _language()
    card = build_card(request.org, language)  # type: ignore[attr-defined]
    can_edit = request.membership.allows(Role.EDITOR)  # type: ignore[attr-defined]
    return render(request, "incidents/first_hour_card.html", {"card": card, "can_edit": can_edit})


@org_view()
@require_safe
def first_hour_card_pdf(request: HttpRequest) -> HttpResponse:
    language = _language()
    card = build_card(request.org, language)  # type: ignore[attr-defined]
    response = HttpResponse(render_card_pdf(card, language), content_type="application/pdf")
    name = "first-hour-card" if language == "en" else "shodo-card"
    response["Content-Disposition"] = f'attachment; filename="{name}-{card.printed_on}.pdf"'
    return response
