"""Incident response: playbooks (content), triage and the personal-data breach clock.

The modules in this package named ``playbooks``, ``triage`` and ``breach_clock`` are pure Python
(no Django imports) so they can be tested, fuzzed and benchmarked alone.
"""
