from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mamori.inventory"
    label = "inventory"
    verbose_name = "inventory"

    def ready(self) -> None:
        from .registers import load_registers

        load_registers()
