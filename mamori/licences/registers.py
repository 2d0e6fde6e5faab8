"""The published-materials register (handbook §9), served by the generic register views."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mamori.inventory.registers import RegisterSpec, add_register

from .models import Material


def conditions(material: Material) -> list[str]:
    """What the material's licence asks, in the reader's language (one line per condition)."""
    lines: list[str] = []
    if material.needs_attribution:
        lines.append(_("Show the credit line (author, title, licence) where it is used."))
    if material.is_non_commercial:
        lines.append(_("Non-commercial use only: not on a company's site, ads or products."))
    if material.is_no_derivatives:
        lines.append(_("Publish it unchanged: no cropping, retouching or added text."))
    if material.licence in ("cc_by_sa", "cc_by_nc_sa"):
        lines.append(_("A changed version must be published under the same licence."))
    if material.contains_person:
        lines.append(_("The person shown must have agreed to its publication (model release)."))
    if material.licence_expires_on:
        lines.append(
            _("The licence runs until %(date)s: renew it or take the material down by then.")
            % {"date": material.licence_expires_on.isoformat()}
        )
    return lines


def _detail_context(request: Any, material: Any) -> dict[str, Any]:
    return {"conditions": conditions(material)}


MATERIALS = add_register(
    RegisterSpec(
        key="materials",
        model=Material,
        title=gettext_lazy("Published materials"),
        intro=gettext_lazy(
            "Photos, illustrations, fonts, music, videos and texts you publish on your website, "
            "social media, flyers and slides, with the licence each may be used under. Free "
            "material still has an author whose conditions you must follow."
        ),
        fields=[
            "name",
            "kind",
            "source_url",
            "author",
            "licence",
            "attribution",
            "contains_person",
            "model_release",
            "property_release",
            "used_in",
            "used_at",
            "commercial_use",
            "modified",
            "licence_expires_on",
            "notes",
        ],
        list_columns=["name", "kind", "licence", "used_in", "commercial_use", "licence_expires_on"],
        search=["name", "author", "source_url", "used_at"],
        filters=["kind", "licence", "used_in"],
        default_order="name",
        source="ハンドブック 第7章 §9",
        natural_key=("name",),
        group="partners",
        detail_template="licences/material_detail.html",
        detail_context=_detail_context,
        form_note="licences/cc_terms.html",
    )
)
