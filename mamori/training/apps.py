from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "mamori.training"
    label = "training"
    verbose_name = "training"
