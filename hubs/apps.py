from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "hubs"

    def ready(self) -> None:
        from hubs import audit_labels  # noqa: F401  (registers how its change history reads)
