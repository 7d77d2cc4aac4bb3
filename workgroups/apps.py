from django.apps import AppConfig


class WorkgroupsConfig(AppConfig):
    name = "workgroups"

    def ready(self) -> None:
        from workgroups import sections  # noqa: F401  (registers the app's hub-page sections)
