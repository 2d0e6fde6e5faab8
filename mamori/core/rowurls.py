"""Links of list rows built from one reverse() per page (issue 20, "Rendering").

A `{% url %}` tag per row resolves the pattern again for every row and costs more than the row
itself; the rows of one list differ only in their id, so the URL is reversed once with a marker
id and the row's id is put in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

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
