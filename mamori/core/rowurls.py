"""Links and times of list rows, computed once per page (issue 20, "Rendering").

A `{% url %}` tag per row resolves the pattern again for every row and costs more than the row
itself; the rows of one list differ only in their id, so the URL is reversed once with a marker
id and the row's id is put in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone

_MARK = 987654321  # an id no real row has (the pattern takes <int:pk>)


def row_url(name: str, pk_name: str = "pk", **kwargs: Any) -> Callable[[Any], str]:
    """A function id -> the URL `name` with that id, e.g.
    `detail = row_url("findings:detail", org_slug=slug)`, then `detail(42)`."""
    head, _, tail = reverse(name, kwargs={**kwargs, pk_name: _MARK}).partition(str(_MARK))
    return lambda pk: f"{head}{int(pk)}{tail}"


def row_prefix(name: str, pk_name: str = "pk", **kwargs: Any) -> tuple[str, str]:
    """The URL `name` around its id, for templates: `{{ head }}{{ row.pk }}{{ tail }}`."""
    head, _, tail = reverse(name, kwargs={**kwargs, pk_name: _MARK}).partition(str(_MARK))
    return head, tail


def minute_text(zone: Any = None, seconds: bool = False) -> Callable[[Any], str]:
    """A function datetime -> "Y-m-d H:i" (or "Y-m-d H:i:s") in the current zone ("" for None):
    the text of `{{ value|date:"Y-m-d H:i" }}`, with the zone looked up once per page instead of
    per cell."""
    local = zone or timezone.get_current_timezone()

    def text(value: Any) -> str:
        if value is None:
            return ""
        v = value.astimezone(local)
        out = f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}"
        return f"{out}:{v.second:02d}" if seconds else out

    return text
