"""Security intelligence: feed and advisory parsers, CPE/version matching, surge detection.

Everything in this package except the Django side (added later by the lead) is pure Python and
imports nothing from Django, so it can be benchmarked, fuzzed and used offline by
`mamori intel match`.
"""
