"""Parsers for news feeds and vulnerability advisories. None of them raises on bad input."""

from mamori.intel.parsers.feeds import parse_feed
from mamori.intel.parsers.jvn import parse_jvn_rdf
from mamori.intel.parsers.kev import parse_kev
from mamori.intel.parsers.myjvn import parse_myjvn
from mamori.intel.parsers.nvd import parse_nvd
from mamori.intel.parsers.sniff import parse_any

__all__ = ["parse_any", "parse_feed", "parse_jvn_rdf", "parse_kev", "parse_myjvn", "parse_nvd"]
