from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Website

from .fingerprint import MAX_SELECTORS
from .models import WatchedPage
from .services import ALLOW_SETTING, MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, refused_address

MAX_KEYWORDS = 50


class WatchedPageForm(forms.ModelForm):
    class Meta:
        model = WatchedPage
        fields = [
            "website",
            "url",
            "interval_minutes",
            "expected_keywords",
            "ignore_selectors",
            "enabled",
        ]
        widgets = {
            "expected_keywords": forms.Textarea(attrs={"rows": 3}),
            "ignore_selectors": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "url": _(
                "The page to watch, e.g. https://www.example.co.jp/ (leave empty to use the website's address)."
            ),
            "interval_minutes": _("How often to check, in minutes (5 or more)."),
            "expected_keywords": _(
                "One per line: words that must stay on the page, such as your company name or phone number."
            ),
            "ignore_selectors": _(
                "One CSS selector per line for parts that change by themselves (dates, counters, news tickers), e.g. .date or #visitor-count."
            ),
        }

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["website"].queryset = Website.objects.filter(
            organization=organization, archived_at__isnull=True
        )
        self.fields["website"].required = False
        self.fields["url"].required = False

    def clean_interval_minutes(self) -> int:
        value = self.cleaned_data["interval_minutes"]
        if value is None or not MIN_INTERVAL_MINUTES <= value <= MAX_INTERVAL_MINUTES:
            raise forms.ValidationError(
                _("Choose between %(low)d and %(high)d minutes.")
                % {"low": MIN_INTERVAL_MINUTES, "high": MAX_INTERVAL_MINUTES}
            )
        return int(value)

    def clean_expected_keywords(self) -> str:
        value = self.cleaned_data.get("expected_keywords", "")
        if len([line for line in value.splitlines() if line.strip()]) > MAX_KEYWORDS:
            raise forms.ValidationError(_("At most %(count)d lines.") % {"count": MAX_KEYWORDS})
        return value

    def clean_ignore_selectors(self) -> str:
        from lxml.cssselect import CSSSelector

        value = self.cleaned_data.get("ignore_selectors", "")
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        if len(lines) > MAX_SELECTORS:
            raise forms.ValidationError(_("At most %(count)d lines.") % {"count": MAX_SELECTORS})
        bad = []
        for line in lines:
            try:
                CSSSelector(line)
            except Exception:  # noqa: BLE001 - cssselect raises several kinds
                bad.append(line)
        if bad:
            raise forms.ValidationError(
                _("Not a CSS selector mamori understands: %(lines)s")
                % {"lines": ", ".join(bad[:5])}
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("url") and data.get("website") is not None:
            data["url"] = data["website"].url
            self.instance.url = data["url"]
        url = data.get("url") or ""
        if not url:
            self.add_error("url", _("Enter the page's address or choose a website."))
        elif not url.lower().startswith(("http://", "https://")):
            self.add_error("url", _("The address must start with http:// or https://."))
        else:
            host = refused_address(url)
            if host is not None:
                self.add_error(
                    "url",
                    _(
                        "%(host)s is a private or loopback address (an intranet, a router or this "
                        "machine itself), and mamori does not contact such addresses unless they "
                        "are allowed. To watch an intranet site, add its network to the setting "
                        "%(setting)s (for example 192.168.1.0/24) and restart mamori."
                    )
                    % {"host": host, "setting": ALLOW_SETTING},
                )
        return data
