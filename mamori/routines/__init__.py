"""Recurring checks (定期点検): dated actions from one schedule on the jobs machinery: issue 17."""
