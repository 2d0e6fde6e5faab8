"""Self-assessment questionnaires: content loader, scoring engine and policy drafts.

The modules here are pure Python (no Django imports) so that they can be tested and fuzzed
alone; the Django models, views and reports call into them.
"""
