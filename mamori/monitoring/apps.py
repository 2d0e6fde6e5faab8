from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "mamori.monitoring"
    label = "monitoring"
    verbose_name = "monitoring"
