"""mamori (守り): self-hosted security operations for small organisations."""

__version__ = "0.1.0"
