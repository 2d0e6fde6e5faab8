from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from .delivery import DeliveryError, chat_plugin
from .models import Channel, ChannelKind, Preference

MAX_RECIPIENTS = 50
SECRET_UNCHANGED_HELP = _("Leave empty to keep the stored value (it is never shown again).")


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = [
            "name",
            "kind",
            "enabled",
            "min_severity",
            "quiet_start",
            "quiet_end",
            "critical_in_quiet_hours",
            "digest",
            "use_server_mail",
            "send_to_members",
            "extra_recipients",
            "smtp_host",
            "smtp_port",
            "smtp_username",
            "smtp_password",
            "smtp_starttls",
            "from_email",
            "apprise_url",
        ]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "extra_recipients": forms.Textarea(attrs={"rows": 2}),
            "smtp_password": forms.PasswordInput(render_value=False),
            "apprise_url": forms.PasswordInput(render_value=False),
        }
        help_texts = {
            "min_severity": _("Immediate alerts of this severity or higher are sent."),
            "quiet_start": _(
                "In the organisation's time zone. Alerts wait until the quiet hours end."
            ),
            "extra_recipients": _("Email only: other addresses, one per line."),
            "apprise_url": _(
                "Chat only, e.g. slack://…, msteams://… or workflows://…, discord://…, "
                "ntfys://ntfy.sh/topic or json://host/path for your own webhook."
            ),
            "use_server_mail": _("Email only: send through the server's SMTP settings."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = self.instance.pk is not None
        if self.editing:
            for name in ("smtp_password", "apprise_url"):
                self.fields[name].help_text = SECRET_UNCHANGED_HELP
        self.fields["apprise_url"].required = False
        self.fields["smtp_password"].required = False

    def clean_extra_recipients(self) -> str:
        value = self.cleaned_data.get("extra_recipients", "")
        lines = [
            item.strip()
            for item in value.replace(",", "\n").replace(";", "\n").splitlines()
            if item.strip()
        ]
        if len(lines) > MAX_RECIPIENTS:
            raise forms.ValidationError(_("At most %(count)d lines.") % {"count": MAX_RECIPIENTS})
        bad = []
        for line in lines:
            try:
                validate_email(line)
            except forms.ValidationError:
                bad.append(line)
        if bad:
            raise forms.ValidationError(
                _("Not an email address: %(items)s") % {"items": ", ".join(bad[:5])}
            )
        return "\n".join(lines)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        stored = Channel.objects.filter(pk=self.instance.pk).first() if self.editing else None
        # Secrets left empty on edit keep their stored value — the SMTP password only while it
        # would go to the same server, port and user: a stored secret never follows a changed
        # destination (issue 11). A webhook URL is itself the destination and the secret.
        for name in ("smtp_password", "apprise_url"):
            if not data.get(name) and stored is not None:
                if name == "smtp_password" and _smtp_destination_changed(stored, data):
                    self._forget_smtp_password(stored, data)
                    continue
                data[name] = getattr(stored, name)
                setattr(self.instance, name, data[name])
        kind = data.get("kind")
        if kind == ChannelKind.CHAT:
            url = data.get("apprise_url") or ""
            if not url:
                self.add_error("apprise_url", _("Enter the chat service's URL."))
            else:
                try:
                    chat_plugin(url)
                except DeliveryError:
                    self.add_error(
                        "apprise_url",
                        _(
                            "This URL is not a supported chat service (Slack, Teams, Discord, ntfy, JSON webhook)."
                        ),
                    )
        elif kind == ChannelKind.EMAIL:
            if not data.get("use_server_mail") and not data.get("smtp_host"):
                self.add_error(
                    "smtp_host", _("Enter the SMTP server, or use the server's mail settings.")
                )
            if not data.get("send_to_members") and not data.get("extra_recipients"):
                self.add_error("extra_recipients", _("Choose who receives the mail."))
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            self.add_error("quiet_end", _("Give both the start and the end of the quiet hours."))
        return data

    def _forget_smtp_password(self, stored: Channel, data: dict[str, Any]) -> None:
        data["smtp_password"] = ""
        self.instance.smtp_password = ""
        uses_login = (
            data.get("kind") == ChannelKind.EMAIL
            and not data.get("use_server_mail")
            and bool(data.get("smtp_username"))
        )
        if stored.smtp_password and uses_login:
            self.add_error(
                "smtp_password",
                _(
                    "The server, port or user name changed, so the stored password is not "
                    "sent there. Enter the password again."
                ),
            )


def _smtp_destination_changed(stored: Channel, data: dict[str, Any]) -> bool:
    before = (stored.smtp_host.strip().lower(), stored.smtp_port, stored.smtp_username)
    after = (
        str(data.get("smtp_host") or "").strip().lower(),
        data.get("smtp_port"),
        str(data.get("smtp_username") or ""),
    )
    return before != after


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["alerts", "digests"]
