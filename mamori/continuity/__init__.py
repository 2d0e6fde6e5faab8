"""Backups with restore tests, deputies and escrow for critical accounts, the BCP sheet: issue 17."""
