from django.apps import AppConfig


class WorkgroupsConfig(AppConfig):
    name = "workgroups"

    def ready(self) -> None:
        # Registers the app's hub-page sections and its part of a person's data.
        from workgroups import personal_data, sections  # noqa: F401
