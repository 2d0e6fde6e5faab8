from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .models import MailCheckSettings, Verdict
from .services import MAX_MAIL_BYTES

ALLOWED_SUFFIXES = (".eml", ".msg")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class UploadForm(forms.Form):
    mail = forms.FileField(
        label=_("Mail file (.eml or .msg)"),
        help_text=_(
            "Save the mail from your mail program (Outlook: drag it to the desktop; Gmail: "
            "“Download message”) and choose or drop the file here. Up to 25 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".eml,.msg,message/rfc822"}),
    )

    def clean_mail(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["mail"]
        name = (upload.name or "").lower()
        if not name.endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                _("Choose a mail file ending in .eml or .msg."), code="suffix"
            )
        if upload.size is not None and upload.size > MAX_MAIL_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: it cannot be checked here.")
                % {"mb": MAX_MAIL_BYTES // (1024 * 1024)},
                code="too_big",
            )
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        return upload


class ReportForm(forms.Form):
    opened_or_clicked = forms.BooleanField(
        label=_("I opened the attachment, clicked a link or typed a password"),
        required=False,
    )
    note = forms.CharField(
        label=_("Note for the administrators"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HistoryFilterForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        required=False,
        choices=[("", _("All"))] + list(Verdict.choices),
    )


class SettingsForm(forms.ModelForm):
    imap_password = forms.CharField(
        label=_("password"),
        required=False,
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password."),
    )
    clear_password = forms.BooleanField(label=_("Remove the stored password"), required=False)

    class Meta:
        model = MailCheckSettings
        fields = [
            "own_domains",
            "check_address",
            "imap_enabled",
            "imap_host",
            "imap_port",
            "imap_use_ssl",
            "imap_username",
            "imap_folder",
        ]

    def __init__(self, *args: Any, has_password: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_password = has_password
        self.fields["imap_port"].widget.attrs.update({"min": 1, "max": 65535})
        # Where the stored password goes now; it never follows a changed destination.
        self.stored_destination = _destination(
            self.instance.imap_host,
            self.instance.imap_port,
            self.instance.imap_use_ssl,
            self.instance.imap_username,
        )

    def clean_own_domains(self) -> str:
        text = str(self.cleaned_data.get("own_domains") or "")
        domains = [
            d.strip().lower().rstrip(".")
            for d in text.replace("、", ",").replace(" ", ",").split(",")
            if d.strip()
        ]
        bad = []
        for domain in domains:
            try:
                ascii_form = domain.encode("idna").decode("ascii")
            except UnicodeError:
                bad.append(domain)
                continue
            if not _DOMAIN.match(ascii_form):
                bad.append(domain)
        if bad:
            raise forms.ValidationError(
                _("Not a domain name: %(names)s") % {"names": ", ".join(bad[:5])}, code="domain"
            )
        return ", ".join(domains)

    def clean_check_address(self) -> str:
        address = str(self.cleaned_data.get("check_address") or "").strip().lower()
        if not address:
            return ""
        taken = MailCheckSettings.objects.filter(check_address=address)
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Another organisation already uses this address."), code="taken"
            )
        return address

    def clean_imap_port(self) -> int | None:
        port = self.cleaned_data.get("imap_port")
        if port is not None and not 1 <= port <= 65535:
            raise forms.ValidationError(_("A port is a number from 1 to 65535."), code="port")
        return port

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("imap_enabled"):
            if not data.get("imap_host"):
                self.add_error("imap_host", _("Enter the IMAP server to poll the mailbox."))
            if not data.get("imap_username"):
                self.add_error("imap_username", _("Enter the user name of the mailbox."))
            keeps = self.has_password and not data.get("clear_password")
            if not data.get("imap_password") and keeps and self.destination_changed():
                self.add_error(
                    "imap_password",
                    _(
                        "The server, port or user name changed, so the stored password is not "
                        "sent there. Enter the password again."
                    ),
                )
            elif not data.get("imap_password") and not keeps:
                self.add_error("imap_password", _("Enter the password of the mailbox."))
        return data

    def destination_changed(self) -> bool:
        data = self.cleaned_data
        return self.has_password and self.stored_destination != _destination(
            data.get("imap_host"),
            data.get("imap_port"),
            data.get("imap_use_ssl"),
            data.get("imap_username"),
        )

    def new_password(self) -> str | None:
        """None: keep the stored one; "": remove it; else the new password."""
        if self.cleaned_data.get("imap_password"):
            return str(self.cleaned_data["imap_password"])
        if self.cleaned_data.get("clear_password") or self.destination_changed():
            return ""
        return None


def _destination(host: Any, port: Any, use_ssl: Any, username: Any) -> tuple[str, int, str]:
    """Where the password would go: server, port actually used (TLS or not decides the default,
    mamori.mailcheck.mailbox) and user. Turning TLS off changes the port, so it counts too."""
    effective_port = int(port or (993 if use_ssl else 143))
    return (str(host or "").strip().lower(), effective_port, str(username or ""))
