from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.accounts.decorators import sudo_required
from mamori.audit.services import record
from mamori.core.rowurls import row_url
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role
from mamori.tabular import template_csv, template_xlsx, write_csv, write_xlsx

from . import queries, services, tabular, uploads
from .display import cells_for, display, label
from .forms import form_class
from .registers import GROUPS, REGISTERS, RegisterSpec

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    groups = [
        {
            "title": title,
            "registers": [
                {"spec": spec, "count": counts[key]}
                for key, spec in REGISTERS.items()
                if spec.group == group
            ],
        }
        for group, title in GROUPS.items()
    ]
    return render(
        request, "inventory/index.html", {"groups": [g for g in groups if g["registers"]]}
    )


@org_view()
def record_list(request: HttpRequest, register: str) -> HttpResponse:
    spec = _spec(register)
    params = {k: v for k, v in request.GET.items() if isinstance(v, str)}
    page = Paginator(queries.records(request.org, spec, params), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    cells = cells_for(spec.model, spec.list_columns)
    detail = row_url("inventory:detail", org_slug=request.org.slug, register=spec.key)
    rows = [{"url": detail(obj.pk), "cells": cells(obj)} for obj in page]
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
    context = {
        "spec": spec,
        "object": obj,
        "fields": fields,
        "history": queries.history(request.org, obj)[:50],
        "findings": queries.findings_about(request.org, obj),
        "can_edit": request.membership.allows(Role.EDITOR),
    }
    if spec.detail_context is not None:
        context.update(spec.detail_context(request, obj))
    return render(request, spec.detail_template, context)


def _edit(request: HttpRequest, spec: RegisterSpec, obj: models.Model | None) -> HttpResponse:
    form_type = form_class(spec)
    form = form_type(request.POST or None, instance=obj, organization=request.org)
    if request.method == "POST" and form.is_valid():
        saved = services.save_record(request, request.org, spec, form)
        messages.success(request, _("Saved."))
        return redirect(
            "inventory:detail", org_slug=request.org.slug, register=spec.key, pk=saved.pk
        )
    return render(
        request,
        "inventory/form.html",
        {"spec": spec, "form": form, "object": obj, "locked": _locked(spec, obj)},
    )


def _locked(spec: RegisterSpec, obj: models.Model | None) -> list[dict[str, str]]:
    """An existing record's locked fields as text (masked like the list), the empty ones left out."""
    if obj is None:
        return []
    shown = []
    for name in spec.locked_fields:
        raw = getattr(obj, name)
        if raw in (None, ""):
            continue
        mask = spec.masked_fields.get(name)
        value = mask(str(raw)) if mask else display(obj, name)
        shown.append({"label": label(spec.model, name), "value": value})
    return shown


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


# --- import and export -------------------------------------------------------------------

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file (.csv, .xlsx)"),
        help_text=gettext_lazy("Up to 20 MB. Download the template to see the columns."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB. Split it into parts."))
        return upload


def _language() -> str:
    return (get_language() or "ja")[:2]


@org_view(read=Role.EDITOR)
def record_import(request: HttpRequest, register: str) -> HttpResponse:
    spec = _spec(register)
    form = ImportForm(request.POST or None, request.FILES or None)
    expected = {"org": request.org.pk, "user": request.user.pk, "register": spec.key}
    if request.method == "POST" and request.POST.get("token"):
        kept = uploads.take(request.POST["token"], expected)
        if kept is None:
            messages.error(request, _("The upload has expired. Choose the file again."))
            return redirect("inventory:import", org_slug=request.org.slug, register=spec.key)
        data, meta = kept
        plan = tabular.plan_import(request.org, spec, data, meta["filename"])
        if plan.ok:
            created, updated = services.apply_import(
                request, request.org, spec, plan, meta["filename"]
            )
            uploads.discard(request.POST["token"])
            messages.success(
                request,
                _("Imported: %(created)d added, %(updated)d updated.")
                % {"created": created, "updated": updated},
            )
            return redirect("inventory:list", org_slug=request.org.slug, register=spec.key)
        form = ImportForm()
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        plan = tabular.plan_import(request.org, spec, data, upload.name)
        token = uploads.keep(data, {**expected, "filename": upload.name}) if plan.ok else ""
        lang = _language()
        problems = [*plan.preview.errors, *plan.problems]
        return render(
            request,
            "inventory/import_preview.html",
            {
                "spec": spec,
                "plan": plan,
                "token": token,
                "filename": upload.name,
                "problems": [p.describe(lang) for p in problems],
                "problem_total": plan.preview.error_count + len(plan.problems),
                "warnings": [w.describe(lang) for w in plan.preview.warnings],
            },
        )
    return render(request, "inventory/import.html", {"spec": spec, "form": form})


@org_view()
@sudo_required
@require_POST
def record_export(request: HttpRequest, register: str) -> HttpResponse:
    spec = _spec(register)
    fmt = "csv" if request.POST.get("format") == "csv" else "xlsx"
    # Masked columns (a payee's account number) in full only for editors and owners.
    rows = tabular.export_rows(request.org, spec, reveal=request.membership.allows(Role.EDITOR))
    schema = tabular.schema_for(spec.key)
    lang = _language()
    record(
        f"{spec.label}.exported",
        request=request,
        organization=request.org,
        changes={"format": fmt, "rows": len(rows)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "csv":
        body = write_csv(schema, rows, lang=lang)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        body = write_xlsx(schema, rows, lang=lang, sheet_title=schema.title(lang)[:31])
        response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{request.org.slug}-{spec.key}-{stamp}.{fmt}"'
    )
    return response


@org_view()
def record_template(request: HttpRequest, register: str) -> HttpResponse:
    spec = _spec(register)
    lang = _language()
    schema = tabular.schema_for(spec.key)
    if request.GET.get("format") == "csv":
        response = HttpResponse(template_csv(schema, lang=lang), content_type="text/csv")
        ext = "csv"
    else:
        response = HttpResponse(template_xlsx(schema, lang=lang), content_type=XLSX)
        ext = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="mamori-{spec.key}-template.{ext}"'
    return response


class SharingReportForm(ImportForm):
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service the report comes from"), queryset=None, required=False
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import Service

        self.fields["service"].queryset = Service.objects.filter(
            organization=organization, archived_at__isnull=True
        )


@org_view(read=Role.EDITOR)
def sharing_report_import(request: HttpRequest) -> HttpResponse:
    form = SharingReportForm(request.POST or None, request.FILES or None, organization=request.org)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        plan = tabular.plan_sharing_report(upload.read(), upload.name)
        if plan.ok:
            created, updated = services.apply_sharing_report(
                request, request.org, plan.items, form.cleaned_data["service"], upload.name
            )
            messages.success(
                request,
                _("Imported: %(created)d added, %(updated)d updated.")
                % {"created": created, "updated": updated},
            )
            return redirect("inventory:list", org_slug=request.org.slug, register="shares")
        lang = _language()
        return render(
            request,
            "inventory/import_preview.html",
            {
                "spec": REGISTERS["shares"],
                "plan": plan,
                "token": "",
                "filename": upload.name,
                "problems": [p.describe(lang) for p in plan.preview.errors],
                "problem_total": plan.preview.error_count,
                "warnings": [w.describe(lang) for w in plan.preview.warnings],
            },
        )
    return render(request, "inventory/sharing_import.html", {"form": form})
