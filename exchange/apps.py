from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"

    def ready(self) -> None:
        from exchange import personal_data  # noqa: F401  (registers the app's part of a person's data)
