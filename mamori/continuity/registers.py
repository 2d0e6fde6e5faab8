"""The continuity registers, served by the generic register views (inventory/registers.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mamori.inventory.registers import RegisterSpec, add_register

from .models import Backup, CriticalAccount


def _backup_context(request: object, backup: object) -> dict[str, object]:
    from .views import backup_detail_context

    return backup_detail_context(request, backup)


BACKUPS = add_register(
    RegisterSpec(
        key="backups",
        model=Backup,
        title=_("Backups"),
        intro=_(
            "What is copied, where the copy is kept, how many generations, and whether "
            "ransomware could reach it. A backup counts only once a restore from it has been "
            "tested: record each restore test on the backup's page."
        ),
        fields=[
            "name",
            "service",
            "device",
            "share",
            "location",
            "method",
            "generations",
            "offline_or_immutable",
            "checker",
            "schedule",
            "last_success_on",
            "notes",
        ],
        list_columns=[
            "name",
            "location",
            "offline_or_immutable",
            "schedule",
            "last_success_on",
            "checker",
        ],
        search=["name", "method"],
        filters=["location", "schedule", "offline_or_immutable"],
        default_order="name",
        source="ハンドブック 第7章 §7.5",
        natural_key=("name",),
        group="continuity",
        detail_template="continuity/backup_detail.html",
        detail_context=_backup_context,
    )
)

CRITICAL_ACCOUNTS = add_register(
    RegisterSpec(
        key="critical-accounts",
        model=CriticalAccount,
        title=_("Critical accounts: deputies and escrow"),
        intro=_(
            "Accounts the business cannot run without (domain registrar, mail administration, "
            "online banking, cloud administration, password manager): who can step in, where "
            "the master password or recovery codes are held, and when the deputy last tried. "
            "Never type the secret itself here."
        ),
        fields=[
            "name",
            "kind",
            "service",
            "account",
            "administrator",
            "deputy",
            "escrow",
            "escrow_details",
            "last_access_test_on",
            "notes",
        ],
        list_columns=["name", "kind", "administrator", "deputy", "escrow", "last_access_test_on"],
        search=["name", "escrow_details"],
        filters=["kind", "escrow"],
        default_order="name",
        source="ハンドブック 第7章 §2.2",
        natural_key=("name",),
        group="continuity",
    )
)
