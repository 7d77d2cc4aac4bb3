from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"

    def ready(self) -> None:
        from newsletters import personal_data  # noqa: F401  (registers the app's part of a person's data)
