from django.apps import AppConfig


class WorkgroupsConfig(AppConfig):
    name = "workgroups"

    def ready(self) -> None:
        # Register the app's hub-page sections and how its change history reads.
        from workgroups import audit_labels, sections  # noqa: F401
