"""Shared report helpers (PDF rendering with reportlab's built-in Japanese CID fonts)."""
