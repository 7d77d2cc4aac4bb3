from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"

    def ready(self) -> None:
        from exchange import audit_labels  # noqa: F401  (registers how its change history reads)
