"""Website monitoring engine (pure, no Django): page fingerprints, change classification,
security-header, HTTPS-redirect and certificate checks.  Texts live in
``mamori/content/monitoring/messages.yaml``; fetching goes through ``mamori.core.http``.
"""
