from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "mamori.assessments"
    label = "assessments"
    verbose_name = "self-assessments"
    default_auto_field = "django.db.models.BigAutoField"
