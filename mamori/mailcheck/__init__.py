"""Suspicious-mail check (handbook §7.1–7.4): the pure engine lives in `mamori.mailcheck.engine`."""
