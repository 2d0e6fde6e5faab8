from django.apps import AppConfig


class IntelConfig(AppConfig):
    name = "mamori.intel"
    label = "intel"
    verbose_name = "intel"
