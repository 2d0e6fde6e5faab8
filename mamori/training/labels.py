"""Words shared by the results page and its PDF (one place, so both say the same)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MACHINE_CLICK = _("Access by a mail scanner (excluded)")
REPORTED = _("Reported")
CLICKED = _("Clicked")
OPENED = _("Opened")
DELIVERED = _("Delivered")
ATTACHMENT = _("Opened the attachment")
TRAINING_ASSIGNED = _("Training assigned")
YES = _("Yes")
NO = "—"
