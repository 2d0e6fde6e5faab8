from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "mamori.privacy"
    label = "privacy"
    verbose_name = "privacy"
