"""Register descriptions that would leave a user at a form that says nothing are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from mamori.inventory import models as m
from mamori.inventory.registers import REGISTERS, RegisterSpec


def _spec(**changes: object) -> RegisterSpec:
    base: dict[str, object] = {
        "key": "example",
        "model": m.Person,
        "title": "Example",
        "intro": "",
        "fields": ["name", "email"],
        "list_columns": ["name"],
        "search": ["name"],
    }
    return RegisterSpec(**{**base, **changes})  # type: ignore[arg-type]


def test_locked_fields_need_a_message_and_must_be_fields() -> None:
    with pytest.raises(ImproperlyConfigured, match="locked_message"):
        _spec(locked_fields=("email",))
    with pytest.raises(ImproperlyConfigured, match="not in fields"):
        _spec(locked_fields=("left_on",), locked_message="Changed through the workflow.")
    assert _spec(locked_fields=("email",), locked_message="Changed elsewhere.").locked_fields


def test_every_installed_register_passes() -> None:
    locked = [spec.key for spec in REGISTERS.values() if spec.locked_fields]
    assert "payees" in locked
    for key in locked:
        assert str(REGISTERS[key].locked_message)
