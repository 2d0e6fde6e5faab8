from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .services import has_sudo


def sudo_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ask for the password (and second factor) again before a sensitive action.

    Only unsafe requests are guarded: the confirmation page itself may be shown, and the
    POST that carries out the action is refused until the user has re-authenticated.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") and not has_sudo(request):
            # Come back to the page the form was on; the user submits it again.
            target = request.META.get("HTTP_REFERER") or request.get_full_path()
            if "://" in target:
                target = "/" + target.split("://", 1)[1].split("/", 1)[-1]
            return redirect(reverse("accounts:sudo") + "?" + urlencode({"next": target}))
        return view(request, *args, **kwargs)

    # Copied outward by functools.wraps, so the URL walk in the tests sees it on any decorator
    # stack (mamori/accounts/sensitive.py).
    wrapper.requires_sudo = True  # type: ignore[attr-defined]
    return wrapper
