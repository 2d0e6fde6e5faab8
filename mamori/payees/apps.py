from django.apps import AppConfig


class PayeesConfig(AppConfig):
    name = "mamori.payees"
    label = "payees"
    verbose_name = "payees"
