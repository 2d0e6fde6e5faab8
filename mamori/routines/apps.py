from django.apps import AppConfig


class RoutinesConfig(AppConfig):
    name = "mamori.routines"
    label = "routines"
    verbose_name = "routines"
