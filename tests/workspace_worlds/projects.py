"""National projects and funding: a participation with a school and a Work Group, money."""

from decimal import Decimal

from django.utils import timezone

from hubs_portal.lib.academic_year import current_academic_year
from projects.models import (
    Allocation,
    NationalProject,
    ProjectParticipation,
    ProjectSchool,
    Spend,
)
from tests.factories import make_school, make_workgroup

HUB_PATHS = ["participation__hub"]
KWARG_HINTS = {
    "participation": ["projects.ProjectParticipation"],
    "project_school": ["projects.ProjectSchool"],
    "allocation": ["projects.Allocation"],
    "spend": ["projects.Spend"],
}


def build(hub, lead):
    # Seeded by load_reference_data (the reference_data fixture).
    project = NationalProject.objects.get(slug="teaching-for-mastery")
    participation = ProjectParticipation.objects.create(
        hub=hub, project=project, academic_year=current_academic_year(), local_lead="Sam Lead"
    )
    ProjectSchool.objects.create(
        participation=participation, school=make_school(name="Pilot Primary"), part="pilot"
    )
    participation.workgroups.add(make_workgroup(hub, title="Mastery Readiness"))
    Allocation.objects.create(
        hub=hub,
        academic_year=current_academic_year(),
        category=Allocation.Category.PROJECT,
        project=project,
        amount=Decimal("12000.00"),
        recorded_by=lead,
    )
    Spend.objects.create(
        hub=hub,
        spent_on=timezone.localdate(),
        category=Spend.Category.CLASSROOM_CPD,
        amount=Decimal("450.00"),
        description="Supply cover",
        recorded_by=lead,
    )
