from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "mamori.findings"
    label = "findings"
    verbose_name = "findings and actions"

    def ready(self) -> None:
        from .rules import load_rules

        load_rules()
