from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mamori.accounts"
    label = "accounts"
    verbose_name = "accounts"
