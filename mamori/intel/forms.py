from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DecisionStatus, Feed, Watch

MAX_INTERVAL_MINUTES = 7 * 24 * 60


class FeedForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The address of an RSS, RDF or Atom feed (https://…)."),
    )

    class Meta:
        model = Feed
        fields = ["name", "url", "enabled", "interval_minutes"]
        help_texts = {
            "interval_minutes": _("How often mamori checks the feed; at least 15 minutes."),
        }

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter an address starting with http:// or https://."))
        others = Feed.objects.filter(organization=self.org, url=url)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("This feed is already in the list."))
        return url

    def clean_interval_minutes(self) -> int:
        value = self.cleaned_data["interval_minutes"]
        if value < 15 or value > MAX_INTERVAL_MINUTES:
            raise forms.ValidationError(_("Enter a number of minutes between 15 and 10080."))
        return value


class WatchForm(forms.ModelForm):
    class Meta:
        model = Watch
        fields = ["keyword"]
        help_texts = {
            "keyword": _(
                "A word to watch for in news titles and summaries (at least 3 characters)."
            )
        }

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_keyword(self) -> str:
        keyword = self.cleaned_data["keyword"].strip()
        if len(keyword) < 3:
            raise forms.ValidationError(_("Enter at least 3 characters."))
        if Watch.objects.filter(organization=self.org, keyword=keyword).exists():
            raise forms.ValidationError(_("This keyword is already watched."))
        return keyword


class TimelineFilterForm(forms.Form):
    source = forms.TypedChoiceField(label=_("Source"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    unread = forms.BooleanField(label=_("Unread only"), required=False)

    def __init__(self, *args: Any, feeds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("All sources")), *feeds]


class AdvisorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("CVE or JVNDB id, words of the title, or a product name."),
    )
    kev = forms.BooleanField(label=_("Known exploited (KEV) only"), required=False)
    min_score = forms.FloatField(
        label=_("Minimum CVSS score"), required=False, min_value=0.0, max_value=10.0
    )


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=DecisionStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
