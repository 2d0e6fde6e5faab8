"""The two privacy registers, described for the generic register machinery (group "partners")."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.inventory.registers import RegisterSpec, add_register

from .models import PersonalData, Supervision


def _supervision_context(request: Any, obj: models.Model) -> dict[str, Any]:
    from . import views

    return views.supervision_context(request, obj)


def _personal_data_context(request: Any, obj: models.Model) -> dict[str, Any]:
    from . import views

    return views.personal_data_context(request, obj)


SUPERVISION = add_register(
    RegisterSpec(
        key="supervision",
        model=Supervision,
        title=_("Contractor supervision"),
        intro=_(
            "For each supplier you entrust with personal or confidential data: how you chose "
            "them, what the contract promises, whether they may pass the work on or process it "
            "abroad, and when you last checked them."
        ),
        fields=[
            "supplier",
            "data_entrusted",
            "entrusts_personal_data",
            "entrusts_confidential_data",
            "certification",
            "certification_number",
            "certification_expires_on",
            "clause_purpose",
            "clause_reentrustment",
            "clause_location",
            "clause_deletion",
            "clause_incident_notice",
            "incident_notice_hours",
            "clause_audit",
            "reentrustment_approved",
            "offshore_approved",
            "processing_countries",
            "foreign_regime",
            "notes",
        ],
        list_columns=[
            "supplier",
            "entrusts_personal_data",
            "certification",
            "certification_expires_on",
            "processing_countries",
        ],
        search=["supplier__name", "data_entrusted", "processing_countries"],
        filters=["certification", "entrusts_personal_data"],
        default_order="supplier__name",
        source="ハンドブック 第7章 §10",
        natural_key=("supplier",),
        group="partners",
        detail_template="privacy/supervision_detail.html",
        detail_context=_supervision_context,
    )
)

PERSONAL_DATA = add_register(
    RegisterSpec(
        key="personal-data",
        model=PersonalData,
        title=_("Personal data"),
        intro=_(
            "What personal data you hold, why, where it is kept, who can see it, how long you "
            "keep it, and whether it goes to others or abroad. When an incident names an entry, "
            "the breach clock reads the number of people and the special-care flag from here."
        ),
        fields=[
            "name",
            "categories",
            "sensitive",
            "people_count",
            "purpose",
            "owner",
            "services",
            "devices",
            "shares",
            "access",
            "retention",
            "retain_until",
            "provision",
            "provision_records_kept",
            "foreign_transfer",
            "foreign_countries",
            "foreign_consent",
            "foreign_info_given",
            "foreign_regime",
            "contractors",
            "notes",
        ],
        list_columns=["name", "sensitive", "people_count", "purpose", "owner", "retain_until"],
        search=["name", "categories", "purpose"],
        filters=["sensitive", "provision", "foreign_transfer"],
        default_order="name",
        source="ハンドブック 第7章 §8",
        natural_key=("name",),
        group="partners",
        detail_template="privacy/personal_data_detail.html",
        detail_context=_personal_data_context,
    )
)
