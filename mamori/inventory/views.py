from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import queries, services
from .display import display, label
from .forms import form_class
from .registers import REGISTERS, RegisterSpec

PAGE_SIZE = 50


def _spec(register: str) -> RegisterSpec:
    spec = REGISTERS.get(register)
    if spec is None:
        raise Http404
    return spec


def _filter_options(spec: RegisterSpec) -> list[dict[str, Any]]:
    options = []
    for name in spec.filters:
        field = spec.model._meta.get_field(name)
        if isinstance(field, models.BooleanField):
            choices = [("true", _("Yes")), ("false", _("No"))]
        else:
            choices = [(value, str(text)) for value, text in field.choices or []]
        options.append({"name": name, "label": label(spec.model, name), "choices": choices})
    return options


@org_view()
def index(request: HttpRequest) -> HttpResponse:
    counts = queries.counts(request.org)
    registers = [{"spec": spec, "count": counts[key]} for key, spec in REGISTERS.items()]
    return render(request, "inventory/index.html", {"registers": registers})


@org_view()
def record_list(request: HttpRequest, register: str) -> HttpResponse:
    spec = _spec(register)
    params = {k: v for k, v in request.GET.items() if isinstance(v, str)}
    page = Paginator(queries.records(request.org, spec, params), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"object": obj, "cells": [display(obj, name) for name in spec.list_columns]} for obj in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    sort = params.get("sort", "")
    columns = [
        {
            "name": name,
            "label": label(spec.model, name),
            "sort": f"-{name}" if sort == name else name,
            "sorted": sort.lstrip("-") == name,
        }
        for name in spec.list_columns
    ]
    return render(
        request,
        "inventory/list.html",
        {
            "spec": spec,
            "page": page,
            "rows": rows,
            "columns": columns,
            "filters": _filter_options(spec),
            "params": params,
            "query": query.urlencode(),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


@org_view()
def record_detail(request: HttpRequest, register: str, pk: int) -> HttpResponse:
    spec = _spec(register)
    obj = get_object_or_404(scoped(spec.model, request.org), pk=pk)
    fields = [
        {"label": label(spec.model, name), "value": display(obj, name)} for name in spec.fields
    ]
    return render(
        request,
        "inventory/detail.html",
        {
            "spec": spec,
            "object": obj,
            "fields": fields,
            "history": queries.history(request.org, obj)[:50],
            "findings": queries.findings_about(request.org, obj),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


def _edit(request: HttpRequest, spec: RegisterSpec, obj: models.Model | None) -> HttpResponse:
    form_type = form_class(spec)
    form = form_type(request.POST or None, instance=obj, organization=request.org)
    if request.method == "POST" and form.is_valid():
        saved = services.save_record(request, request.org, spec, form)
        messages.success(request, _("Saved."))
        return redirect(
            "inventory:detail", org_slug=request.org.slug, register=spec.key, pk=saved.pk
        )
    return render(request, "inventory/form.html", {"spec": spec, "form": form, "object": obj})


@org_view(read=Role.EDITOR)
def record_create(request: HttpRequest, register: str) -> HttpResponse:
    return _edit(request, _spec(register), None)


@org_view(read=Role.EDITOR)
def record_edit(request: HttpRequest, register: str, pk: int) -> HttpResponse:
    spec = _spec(register)
    return _edit(request, spec, get_object_or_404(scoped(spec.model, request.org), pk=pk))


@org_view()
@require_POST
def record_archive(request: HttpRequest, register: str, pk: int) -> HttpResponse:
    spec = _spec(register)
    obj = get_object_or_404(scoped(spec.model, request.org), pk=pk)
    archive = request.POST.get("restore") != "1"
    services.set_archived(request, request.org, spec, obj, archive)
    messages.success(request, _("Archived.") if archive else _("Restored."))
    return redirect("inventory:detail", org_slug=request.org.slug, register=spec.key, pk=obj.pk)
