"""The registers, described once and used by the generic views, forms, import/export, history
and the API (list, detail, form, archive, CSV/Excel, audit, rules re-run after commit).

The inventory's own registers are listed here. Other apps (payees, continuity, privacy …) describe
theirs in their own `registers.py` with `add_register(...)`; those modules are named in
`REGISTER_MODULES` and imported once when the inventory app is ready, so reading this file tells
what is installed. A register whose records need more than the generic page (a payee's change
requests, a backup's restore tests) sets `detail_template` (extending "inventory/detail.html",
block `register_extra`) and `detail_context` (extra context for that template).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import models as m


@dataclass(frozen=True)
class RegisterSpec:
    key: str
    model: type[models.Model]
    title: str | Promise
    intro: str | Promise
    fields: list[str]
    list_columns: list[str]
    search: list[str]
    filters: list[str] = field(default_factory=list)
    default_order: str = "pk"
    # The handbook section this register supports (shown on the page).
    source: str = ""
    # How an imported row finds the record it updates (and what must not repeat in one file).
    natural_key: tuple[str, ...] = ("name",)
    # Which section of the registers page lists it (a key of GROUPS).
    group: str = "assets"
    # A richer detail page: a template extending inventory/detail.html and the extra context it
    # needs, computed from (request, record).
    detail_template: str = "inventory/detail.html"
    detail_context: Callable[[Any, models.Model], dict[str, Any]] | None = None
    # Fields only editors and owners see in full (a payee's account number): the API and any
    # export made below the editor role carry `mask(value)` instead (field name -> mask).
    masked_fields: dict[str, Callable[[str], str]] = field(default_factory=dict)
    # A template shown above the add/edit form (an explanation of the terms the form asks for).
    form_note: str = ""
    # Fields set when a record is added and changed afterwards only through the register's own
    # workflow (a payee's account): the edit form shows them as text (masked as above) and
    # refuses a post that changes them, with `locked_message`; `locked_note` is a template shown
    # beside them (where the workflow starts).
    locked_fields: tuple[str, ...] = ()
    locked_message: str | Promise = ""
    locked_note: str = ""

    def __post_init__(self) -> None:
        # A locked field refused without a reason, or one the form does not have, would leave
        # a user at a form that says nothing: found when the register is described.
        # (A lazy translation counts as given: reading it here could precede the app registry.)
        message = isinstance(self.locked_message, Promise) or bool(self.locked_message)
        if self.locked_fields and not message:
            raise ImproperlyConfigured(f"register {self.key}: locked_fields need a locked_message")
        unknown = [name for name in self.locked_fields if name not in self.fields]
        if unknown:
            raise ImproperlyConfigured(
                f"register {self.key}: locked fields not in fields: {unknown}"
            )

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


REGISTERS: dict[str, RegisterSpec] = {
    spec.key: spec
    for spec in [
        RegisterSpec(
            key="people",
            model=m.Person,
            title=_("People"),
            intro=_(
                "Everyone who works with your data: staff, part-timers, agency workers and "
                "contractors. Record the day someone leaves so mamori can check that their "
                "access was removed."
            ),
            fields=[
                "name",
                "email",
                "department",
                "employment_type",
                "joined_on",
                "left_on",
                "notes",
            ],
            list_columns=["name", "department", "employment_type", "joined_on", "left_on"],
            search=["name", "email", "department"],
            filters=["employment_type"],
            default_order="name",
            source="ハンドブック 第7章 §6.2",
            natural_key=("name", "email"),
        ),
        RegisterSpec(
            key="devices",
            model=m.Device,
            title=_("Devices"),
            intro=_(
                "PCs, phones, tablets, NAS, routers, cameras, printers, smart locks and servers, "
                "including personal devices used for work (BYOD)."
            ),
            fields=[
                "name",
                "kind",
                "person",
                "ownership",
                "os_name",
                "os_version",
                "os_supported",
                "disk_encryption",
                "screen_lock",
                "auto_update",
                "anti_malware",
                "last_updated_on",
                "location",
                "disposed_on",
                "erasure_method",
                "erasure_certificate",
                "byod_rules_accepted_on",
                "notes",
            ],
            list_columns=[
                "name",
                "kind",
                "person",
                "ownership",
                "os_name",
                "os_version",
                "last_updated_on",
            ],
            search=["name", "os_name", "location"],
            filters=["kind", "ownership"],
            default_order="name",
            source="ハンドブック 第7章 §3, §4",
            natural_key=("name",),
        ),
        RegisterSpec(
            key="software",
            model=m.Software,
            title=_("Software"),
            intro=_(
                "Products and versions in use. The CPE name is what vulnerability advisories are "
                "matched against; mamori suggests one from vendor, product and version."
            ),
            fields=["vendor", "product", "version", "cpe23", "devices", "services", "notes"],
            list_columns=["vendor", "product", "version", "cpe23"],
            search=["vendor", "product", "cpe23"],
            default_order="vendor",
            source="ハンドブック 第7章 §5",
            natural_key=("vendor", "product", "version"),
        ),
        RegisterSpec(
            key="services",
            model=m.Service,
            title=_("Services"),
            intro=_(
                "Cloud and web services: storage, mail, accounting, online banking, official SNS "
                "accounts, hosting, VPN."
            ),
            fields=[
                "name",
                "category",
                "url",
                "purpose",
                "mfa_available",
                "mfa_enforced",
                "holds_personal_data",
                "holds_confidential_data",
                "approval",
                "backup_owner",
                "notes",
            ],
            list_columns=[
                "name",
                "category",
                "mfa_available",
                "mfa_enforced",
                "holds_personal_data",
                "approval",
            ],
            search=["name", "url", "purpose"],
            filters=["category", "approval"],
            default_order="name",
            source="ハンドブック 第7章 §2.2, §8",
            natural_key=("name",),
        ),
        RegisterSpec(
            key="accounts",
            model=m.Account,
            title=_("Accounts"),
            intro=_(
                "Who can sign in where, with which role. Administrator accounts need MFA and a "
                "second administrator; shared accounts hide who did what."
            ),
            fields=[
                "username",
                "person",
                "service",
                "device",
                "role",
                "mfa_enabled",
                "shared",
                "active",
                "last_reviewed_on",
                "notes",
            ],
            list_columns=[
                "username",
                "person",
                "service",
                "device",
                "role",
                "mfa_enabled",
                "active",
            ],
            search=["username"],
            filters=["role", "active"],
            default_order="username",
            source="ハンドブック 第7章 §2.2, §6.2",
            natural_key=("username", "service", "device"),
        ),
        RegisterSpec(
            key="suppliers",
            model=m.Supplier,
            title=_("Suppliers"),
            intro=_(
                "Companies you entrust with work or data (委託先). When they handle personal data "
                "you must supervise them: contract clauses, audits, where the data is kept."
            ),
            fields=[
                "name",
                "domains",
                "work",
                "handles_personal_data",
                "security_clauses",
                "certifications",
                "subcontracting_allowed",
                "servers_abroad",
                "abroad_reviewed",
                "last_audit_on",
                "next_audit_on",
                "notes",
            ],
            list_columns=[
                "name",
                "work",
                "handles_personal_data",
                "security_clauses",
                "next_audit_on",
            ],
            search=["name", "domains", "work"],
            default_order="name",
            source="ハンドブック 第7章 §10",
            natural_key=("name",),
        ),
        RegisterSpec(
            key="shares",
            model=m.Share,
            title=_("Shares"),
            intro=_(
                "Files, folders and links shared from cloud services, and who can open them. "
                "A public link to personal data is a leak waiting to happen."
            ),
            fields=[
                "name",
                "service",
                "url",
                "owner",
                "scope",
                "contains_personal_data",
                "contains_confidential_data",
                "created_on",
                "expires_on",
                "notes",
            ],
            list_columns=[
                "name",
                "service",
                "owner",
                "scope",
                "contains_personal_data",
                "created_on",
            ],
            search=["name", "url"],
            filters=["scope"],
            default_order="name",
            source="ハンドブック 第7章 §4",
            natural_key=("name", "url"),
        ),
        RegisterSpec(
            key="websites",
            model=m.Website,
            title=_("Websites"),
            intro=_("Your websites, where they are hosted, their CMS and who administers them."),
            fields=[
                "url",
                "hosting",
                "cms",
                "cms_version",
                "cms_plugins",
                "administrators",
                "notes",
            ],
            list_columns=["url", "hosting", "cms", "cms_version"],
            search=["url", "hosting", "cms"],
            default_order="url",
            source="ハンドブック 第7章 §7.7",
            natural_key=("url",),
        ),
    ]
}


def spec_for(key: str) -> RegisterSpec | None:
    return REGISTERS.get(key)


# Sections of the registers page, in order.
GROUPS: dict[str, str | Any] = {
    "assets": _("Assets"),
    "continuity": _("Money and continuity"),
    "partners": _("People and partners"),
}

# Modules of other apps that add registers (each calls add_register at import).
REGISTER_MODULES: list[str] = [
    "mamori.incidents.registers",
    "mamori.continuity.registers",
    "mamori.privacy.registers",
    "mamori.licences.registers",
    "mamori.training.registers",
    "mamori.payees.registers",
]


def add_register(spec: RegisterSpec) -> RegisterSpec:
    if spec.key in REGISTERS:
        raise ValueError(f"register {spec.key!r} is already registered")
    if spec.group not in GROUPS:
        raise ValueError(f"register {spec.key!r}: unknown group {spec.group!r}")
    REGISTERS[spec.key] = spec
    return spec


_loaded = False


def load_registers() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in REGISTER_MODULES:
        importlib.import_module(module)
