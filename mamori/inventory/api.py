"""Inventory registers over the API: list and create, validated by the same forms as the web
pages (errors come back in the token owner's language)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router, Status
from ninja.errors import HttpError

from mamori.orgs.access import scoped
from mamori.orgs.models import Role

from . import services
from .forms import form_class
from .registers import REGISTERS
from .tabular import export_rows

router = Router(tags=["inventory"])


def _spec(register: str) -> Any:
    spec = REGISTERS.get(register)
    if spec is None:
        raise HttpError(404, "Unknown register")
    return spec


@router.get("/orgs/{slug}/inventory/{register_key}")
def list_records(request: HttpRequest, slug: str, register_key: str) -> list[dict[str, Any]]:
    from mamori.api import member

    membership = member(request, slug)
    spec = _spec(register_key)
    rows = export_rows(membership.organization, spec)
    ids = list(
        scoped(spec.model, membership.organization)
        .filter(archived_at__isnull=True)
        .order_by(spec.default_order, "pk")
        .values_list("pk", flat=True)
    )
    return [{"id": pk, **_jsonable(row)} for pk, row in zip(ids, rows, strict=False)]


@router.post("/orgs/{slug}/inventory/{register_key}", response={201: dict, 400: dict})
def create_record(
    request: HttpRequest,
    slug: str,
    register_key: str,
    payload: dict[str, Any] = Body(...),  # noqa: B008 - ninja's way to declare a JSON body
) -> Status:
    from mamori.api import member

    membership = member(request, slug, Role.EDITOR)
    spec = _spec(register_key)
    form = form_class(spec)(
        data={k: v for k, v in payload.items() if k in spec.fields},
        organization=membership.organization,
    )
    if not form.is_valid():
        return Status(400, {"errors": {f: list(errors) for f, errors in form.errors.items()}})
    request.user = request.auth
    instance = services.save_record(request, membership.organization, spec, form)
    return Status(201, {"id": instance.pk})


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out
