from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and demo accounts for `make run`. Holds no models.

    Nothing in the production apps imports this app.
    """

    name = "demo"
    verbose_name = "Demo data"
