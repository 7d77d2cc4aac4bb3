from django.apps import AppConfig


class WorkgroupsConfig(AppConfig):
    name = "workgroups"

    def ready(self) -> None:
        # Registers what the app adds to the portal's shared parts: hub-page sections, how its change history reads, its part of a person's data.
        from workgroups import audit_labels, personal_data, sections  # noqa: F401
