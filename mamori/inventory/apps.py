from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mamori.inventory"
    label = "inventory"
    verbose_name = "inventory"
