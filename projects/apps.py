from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        # Register the app's hub-page sections and how its change history reads.
        from projects import audit_labels, sections  # noqa: F401
