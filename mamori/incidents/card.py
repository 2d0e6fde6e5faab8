"""The first-hour card (初動カード): one printable page with the three first steps and who to
call for what: the organisation's own contacts (bank, card company, insurer with the policy
number, police station, IT vendor, hosting) and the public desks (PPC, IPA, JPCERT/CC) from the
playbook contacts catalogue. The steps follow the ransomware playbook's user steps (disconnect,
do not power off; do not pay or delete; tell the administrator, then call)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from mamori.orgs.models import Organization
from mamori.reports.pdf import build_pdf, paragraph, spacer, styles, table

from .catalog import catalog
from .contact_models import ContactKind, EmergencyContact
from .forms import pick
from .own_contacts import current_contacts

# (kind, when to call) in the order printed; the reasons are translated at render time.
OWN_ROWS: tuple[tuple[str, str], ...] = (
    (ContactKind.BANK, "bank"),
    (ContactKind.CARD, "card"),
    (ContactKind.INSURER, "insurer"),
    (ContactKind.POLICE, "police"),
    (ContactKind.IT_VENDOR, "it_vendor"),
    (ContactKind.HOSTING, "hosting"),
    (ContactKind.DOMAIN, "domain"),
    (ContactKind.CLOUD, "cloud"),
    (ContactKind.LAWYER, "lawyer"),
    (ContactKind.PPC, "ppc"),
)
# Public desks from content/playbooks/contacts.yaml printed under the organisation's own.
PUBLIC_IDS: tuple[str, ...] = ("ppc_report", "ppc_dial", "ipa_business", "jpcert", "police_cyber")
# Kinds the card always lists, recorded or not: an empty line tells the owner what is missing.
ALWAYS_SHOWN = frozenset({ContactKind.BANK, ContactKind.INSURER, ContactKind.POLICE})


def _reason(code: str) -> str:
    reasons = {
        "bank": _(
            "Money was sent to a fraudster or online banking was misused: ask to stop or "
            "recall the transfer at once"
        ),
        "card": _("Card numbers may have leaked or been misused: ask to block the cards"),
        "insurer": _(
            "Any incident that will cost money: tell the insurer early; ask what is covered"
        ),
        "police": _("File a formal damage report with the police"),
        "it_vendor": _("PCs or servers are encrypted or infected: investigation and recovery"),
        "hosting": _("The website or server is affected: take it offline, keep the logs"),
        "domain": _("The domain or DNS was changed without you"),
        "cloud": _("A cloud service lost data or was entered: status, logs, recovery"),
        "lawyer": _("Paying a partner again, liability, wording of a public notice"),
        "ppc": _("Personal data leaked"),
    }
    return str(reasons[code])


@dataclass
class CardRow:
    kind: str
    kind_label: str
    reason: str
    contact: EmergencyContact | None = None

    @property
    def numbers(self) -> str:
        return " / ".join(self.number_lines)

    @property
    def number_lines(self) -> list[str]:
        contact = self.contact
        if contact is None:
            return [_("Not recorded — add it to the emergency contacts")]
        parts = []
        if contact.phone:
            parts.append(_("Phone %(number)s") % {"number": contact.phone})
        if contact.emergency_phone:
            parts.append(_("Emergency %(number)s") % {"number": contact.emergency_phone})
        if contact.contract_number:
            parts.append(_("Policy/contract no. %(number)s") % {"number": contact.contract_number})
        if contact.email:
            parts.append(contact.email)
        if not parts and contact.url:
            parts.append(contact.url)
        return parts


@dataclass
class PublicRow:
    name: str
    description: str
    reach: str


@dataclass
class FirstHourCard:
    org_name: str
    printed_on: str
    title: str
    steps: list[str]
    own: list[CardRow]
    public: list[PublicRow]
    footer: str
    missing: list[str] = field(default_factory=list)


def first_steps() -> list[str]:
    return [
        _(
            "Disconnect from the network: unplug the LAN cable and turn Wi-Fi off. Do not switch "
            "the PC off — what is in memory and on screen is evidence."
        ),
        _(
            "Do not pay, do not contact the attacker, and do not delete files or reinstall: "
            "keep the screen (photograph it) and note the time you noticed."
        ),
        _("Tell the IT administrator at once, then call the contacts below for what happened."),
    ]


def build_card(org: Organization, language: str = "ja") -> FirstHourCard:
    """The card's content in one language (two queries: the contacts; the catalogue is cached)."""
    with override(language):
        recorded = current_contacts(org)
        own: list[CardRow] = []
        missing: list[str] = []
        for kind, code in OWN_ROWS:
            label = str(ContactKind(kind).label)
            contacts = recorded.get(kind, [])
            if not contacts and kind in ALWAYS_SHOWN:
                own.append(CardRow(kind, label, _reason(code)))
                missing.append(label)
            for contact in contacts:
                own.append(CardRow(kind, label, _reason(code), contact))
        public: list[PublicRow] = []
        known = catalog().contacts
        for contact_id in PUBLIC_IDS:
            item = known.get(contact_id)
            if item is None:
                continue
            reach = " / ".join(v for v in (item.phone, item.email, item.url) if v)
            public.append(PublicRow(pick(item.name), pick(item.description), reach))
        today = timezone.localdate()
        return FirstHourCard(
            org_name=org.name,
            printed_on=today.isoformat(),
            title=_("First-hour card"),
            steps=first_steps(),
            own=own,
            public=public,
            footer=_(
                "Keep this page by the phone and a copy at home. Numbers as recorded in mamori on "
                "%(date)s; they are re-checked every year by a recurring check."
            )
            % {"date": today.isoformat()},
            missing=missing,
        )


def render_card_pdf(card: FirstHourCard, language: str = "ja") -> bytes:
    """The card on one A4 page."""
    with override(language):
        style = styles()
        story: list[Any] = [
            paragraph(f"{card.title} — {card.org_name}", style["title"]),
            paragraph(card.printed_on, style["small"]),
            paragraph(_("The first three steps"), style["h2"]),
        ]
        story.extend(
            paragraph(f"{number}. {text}", style["body"])
            for number, text in enumerate(card.steps, start=1)
        )
        story.append(paragraph(_("Who to call for what"), style["h2"]))
        rows = [[_("Situation"), _("Whom"), _("Numbers")]]
        for row in card.own:
            # Name above kind, one number a line: read at a glance on the worst day.
            whom = (
                row.kind_label if row.contact is None else f"{row.contact.name}\n{row.kind_label}"
            )
            rows.append([row.reason, whom, "\n".join(row.number_lines)])
        story.append(table(rows, col_widths=[64 * 72 / 25.4, 48 * 72 / 25.4, 66 * 72 / 25.4]))
        story.append(paragraph(_("Public desks"), style["h2"]))
        story.append(
            table(
                [[_("Desk"), _("How to reach it")]]
                + [[f"{row.name}: {row.description}", row.reach] for row in card.public],
                col_widths=[118 * 72 / 25.4, 60 * 72 / 25.4],
            )
        )
        story.append(spacer(2))
        story.append(paragraph(card.footer, style["small"]))
        return build_pdf(story, title=f"{card.title} — {card.org_name}", margins_mm=14)


def report_line(org: Organization, language: str = "ja") -> str:
    """One sentence for the owner's monthly report: the card is ready, or which of the contacts
    it always needs are still missing."""
    with override(language):
        missing = build_card(org, language).missing
        if missing:
            return _(
                "First-hour card: not recorded yet — %(missing)s. Add them to the emergency "
                "contacts, then print the card (Incidents → First-hour card)."
            ) % {"missing": ", ".join(missing)}
        return _(
            "First-hour card: the bank, insurer and police station are recorded. Print it and "
            "keep it by the phone (Incidents → First-hour card)."
        )
