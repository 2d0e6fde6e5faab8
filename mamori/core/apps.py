from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mamori.core"
    label = "core"
    verbose_name = "mamori core"

    def ready(self) -> None:
        # TOTP seeds encrypted and recovery codes hashed at rest (django-otp's own columns).
        from .otp_secrets import install

        install()
