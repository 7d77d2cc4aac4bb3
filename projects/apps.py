from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from hubs.signals import reference_data_loaded

        # Registers the app's hub-page sections and its part of a person's data.
        from projects import personal_data, sections  # noqa: F401
        from projects.seed import on_reference_data_loaded

        reference_data_loaded.connect(on_reference_data_loaded, dispatch_uid="projects.seed")
