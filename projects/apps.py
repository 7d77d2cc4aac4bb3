from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        # Registers the app's hub-page sections and its part of a person's data.
        from projects import personal_data, sections  # noqa: F401
