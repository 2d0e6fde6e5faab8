from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "mamori.licences"
    label = "licences"
    verbose_name = "licences"
