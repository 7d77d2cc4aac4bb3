from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"

    def ready(self) -> None:
        # Registers what the app adds to the portal's shared parts: how its change history reads, its part of a person's data.
        from exchange import audit_labels, personal_data  # noqa: F401
