from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "mamori.continuity"
    label = "continuity"
    verbose_name = "continuity"
