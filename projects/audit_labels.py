"""How project and funding changes read in the change history (registered in ProjectsConfig.ready)."""

from hubs import audit
from projects.models import Allocation, ProjectParticipation, ProjectSchool, Spend

audit.register_actions(
    {
        "project_participation.create": "Recorded a project participation",
        "project_participation.update": "Changed a project participation",
        "project_participation.delete": "Removed a project participation",
        "project_participation.workgroups": "Changed a project's Work Groups",
        "project_school.add": "Added a school to a project",
        "project_school.remove": "Removed a school from a project",
        "allocation.record": "Recorded a funding allocation",
        "allocation.remove": "Removed a funding allocation",
        "spend.record": "Recorded spending",
        "spend.remove": "Removed a spending line",
    }
)
audit.register_types(
    {
        ProjectParticipation: "project participation",
        ProjectSchool: "school in a project",
        Allocation: "funding allocation",
        Spend: "spending record",
    }
)
