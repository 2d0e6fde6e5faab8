"""The dashboard (home page) is made of tiles. Each module contributes tile providers, listed
here explicitly: `function(org, membership) -> list[Tile]`. A provider runs a fixed number of
queries whatever the data size (a test asserts the page's query count stays constant)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

TILE_PROVIDERS: list[str] = [
    "mamori.findings.tiles:tiles",
    "mamori.intel.tiles:tiles",
    "mamori.monitoring.tiles:tiles",
    "mamori.notify.tiles:tiles",
    "mamori.assessments.tiles:tiles",
    "mamori.incidents.tiles:tiles",
    "mamori.mailcheck.tiles:tiles",
    "mamori.core.tiles:tiles",
]


@dataclass
class Tile:
    label: str | Promise
    value: Any
    url: str = ""
    note: str | Promise = ""
    level: str = ""  # "", "warn" or "danger": how the tile is highlighted
    order: int = 50
    items: list[dict[str, Any]] = field(default_factory=list)


def tiles(org: Any, membership: Any) -> list[Tile]:
    collected: list[Tile] = []
    for name in TILE_PROVIDERS:
        module_name, function_name = name.split(":")
        provider = getattr(importlib.import_module(module_name), function_name)
        collected.extend(provider(org, membership))
    return sorted(collected, key=lambda tile: tile.order)
