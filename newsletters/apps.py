from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"

    def ready(self) -> None:
        from newsletters import audit_labels  # noqa: F401  (registers how its change history reads)
