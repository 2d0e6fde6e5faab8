from django.apps import AppConfig


class MailcheckConfig(AppConfig):
    name = "mamori.mailcheck"
    label = "mailcheck"
    verbose_name = "mailcheck"
