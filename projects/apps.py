from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from hubs.signals import reference_data_loaded

        # Registers what the app adds to the portal's shared parts: hub-page sections, how its change history reads, its part of a person's data.
        from projects import audit_labels, personal_data, sections  # noqa: F401
        from projects.seed import on_reference_data_loaded

        reference_data_loaded.connect(on_reference_data_loaded, dispatch_uid="projects.seed")
