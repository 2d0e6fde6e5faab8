"""CPE names, version comparison and advisory-to-inventory matching (pure Python)."""

from mamori.intel.matching.cpe import Cpe, CpeError, normalise_name, suggest_cpe
from mamori.intel.matching.index import (
    HIGH,
    LOW,
    MEDIUM,
    Inventory,
    InventoryItem,
    Match,
    MatchIndex,
    match_advisory,
)
from mamori.intel.matching.versions import compare_versions, version_key

__all__ = [
    "HIGH",
    "LOW",
    "MEDIUM",
    "Cpe",
    "CpeError",
    "Inventory",
    "InventoryItem",
    "Match",
    "MatchIndex",
    "compare_versions",
    "match_advisory",
    "normalise_name",
    "suggest_cpe",
    "version_key",
]
