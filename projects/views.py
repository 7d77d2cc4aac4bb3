"""Public pages of the national projects: what each is, which hubs took part, and when.

Money never appears here: funding is for the hub's team and NCETM staff only.
"""

from itertools import groupby

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from hubs.models import Organisation, TeachingPhase
from projects.models import NationalProject, ProjectParticipation, ProjectSchool
from workgroups.models import WorkGroup


def _with_phases_and_partners(queryset):
    return queryset.prefetch_related(
        Prefetch("phases", queryset=TeachingPhase.objects.order_by("display_order")),
        Prefetch("partners", queryset=Organisation.objects.order_by("name")),
    )


@require_safe
def project_list(request):
    """Every national project. Queries: the projects with how many hubs ever took
    part; their phases; their partner organisations."""
    projects = _with_phases_and_partners(
        NationalProject.objects.annotate(
            hub_count=Count("participations__hub", distinct=True)
        ).order_by("name")
    )
    return render(request, "projects/project_list.html", {"projects": projects})


@require_safe
def project_detail(request, slug: str):
    """One project: its hubs year by year, their schools, and its published Work Groups.

    Queries: the project; its phases; its partners; the participations with
    their hubs and regions; their schools; the published Work Groups that
    belong to it, with their hubs.
    """
    project = get_object_or_404(_with_phases_and_partners(NationalProject.objects), slug=slug)
    participations = (
        ProjectParticipation.objects.filter(project=project)
        .select_related("hub__region")
        .prefetch_related(
            Prefetch(
                "schools",
                queryset=ProjectSchool.objects.select_related("school").order_by(
                    "part", "school__name"
                ),
            )
        )
        .order_by("-academic_year", "hub__name")
    )
    years = [
        {"year": year, "label": rows[0].academic_year_label, "participations": rows}
        for year, group in groupby(participations, key=lambda p: p.academic_year)
        for rows in [list(group)]
    ]
    workgroups = (
        WorkGroup.objects.published()
        .filter(project_participations__project=project)
        .select_related("hub")
        .distinct()
        .order_by("-academic_year", "title", "pk")
    )
    context = {"project": project, "years": years, "workgroups": workgroups}
    return render(request, "projects/project_detail.html", context)
