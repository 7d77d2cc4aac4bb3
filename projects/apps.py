from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from hubs.signals import reference_data_loaded
        from projects import sections  # noqa: F401  (registers the app's hub-page sections)
        from projects.seed import on_reference_data_loaded

        reference_data_loaded.connect(on_reference_data_loaded, dispatch_uid="projects.seed")
