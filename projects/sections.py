"""What the projects app adds to a hub's pages (see hubs/sections.py)."""

from hubs import sections
from projects.models import ProjectParticipation


@sections.register(sections.HUB_PAGE, template="projects/_hub_page_section.html", order=20)
def hub_projects(hub, request) -> dict:
    """The national projects the hub has taken part in, each with its years (one query)."""
    projects: dict[int, dict] = {}
    participations = (
        ProjectParticipation.objects.filter(hub=hub)
        .select_related("project")
        .order_by("project__name", "academic_year")
    )
    for participation in participations:
        entry = projects.setdefault(
            participation.project_id, {"project": participation.project, "years": []}
        )
        entry["years"].append(participation.academic_year_label)
    return {"projects": list(projects.values())}
