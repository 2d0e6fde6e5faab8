from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "mamori.orgs"
    label = "orgs"
    verbose_name = "organisations"
