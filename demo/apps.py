from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and demo accounts for `make run`, and the national-scale network the
    benchmarks generate (demo/network). Holds no models.

    Nothing in the production apps imports this app.
    """

    name = "demo"
    verbose_name = "Demo data"
