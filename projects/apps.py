from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from projects import sections  # noqa: F401  (registers the app's hub-page sections)
