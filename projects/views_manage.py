"""The hub workspace's national projects, under /manage/<hub_slug>/projects/.

Every view is behind hub_team_required: the hub's team and NCETM staff read,
only the hub's leads record or change its part in a project. A participation
is always fetched through the hub, and a school entry through its
participation, so another hub's ids are simply not found. hub_team_required
sits above require_POST/require_safe: outsiders are refused before a wrong
method says 405.
"""

from itertools import groupby

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from hubs.access import hub_team_required
from hubs.models import Hub
from hubs.school_picker import SchoolSearchForm
from projects import services
from projects.forms import (
    ParticipationForm,
    ParticipationWorkGroupsForm,
    ProjectSchoolForm,
)
from projects.models import ProjectParticipation, ProjectSchool
from projects.services import (
    ProjectChangeRefused,
    participation_school_add,
    participation_school_remove,
    participation_set_workgroups,
    participation_update,
)

LEADS_ONLY = "Only the hub's leads can change its part in national projects."


def _participation(hub: Hub, pk: int) -> ProjectParticipation:
    participation = get_object_or_404(
        ProjectParticipation.objects.select_related("project"), hub=hub, pk=pk
    )
    participation.hub = hub  # already fetched: templates and services need no query for it
    return participation


def _detail_url(hub: Hub, participation: ProjectParticipation, anchor: str = "") -> str:
    url = reverse("manage-projects:detail", args=[hub.slug, participation.pk])
    return f"{url}#{anchor}" if anchor else url


@hub_team_required
@require_safe
def participation_list(request, access):
    """The hub's part in national projects, year by year, latest first.

    Queries: the participations with their projects and how many schools and
    Work Groups each has; whether the user is a lead.
    """
    hub = access.hub
    participations = (
        ProjectParticipation.objects.filter(hub=hub)
        .select_related("project")
        .annotate(
            school_count=Count("schools", distinct=True),
            workgroup_count=Count("workgroups", distinct=True),
        )
        .order_by("-academic_year", "project__name", "pk")
    )
    years = [
        {"year": year, "label": rows[0].academic_year_label, "participations": rows}
        for year, group in groupby(participations, key=lambda p: p.academic_year)
        for rows in [list(group)]
    ]
    context = {"hub": hub, "years": years}
    return render(request, "manage/projects/list.html", context)


@hub_team_required(lead=True)
def participation_create(request, access):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    form = ParticipationForm(request.POST or None, hub=hub)
    if request.method == "POST" and form.is_valid():
        try:
            participation = services.participation_create(
                hub=hub,
                user=request.user,
                **{name: form.cleaned_data[name] for name in form.fields},
            )
        except ProjectChangeRefused as refusal:
            form.add_error("project", str(refusal))
        else:
            messages.success(
                request,
                f"Your hub's part in {participation.project.name} in "
                f"{participation.academic_year_label} is recorded. Now add its schools "
                "and Work Groups.",
            )
            return redirect(_detail_url(hub, participation))
    return render(
        request,
        "manage/projects/form.html",
        {"hub": hub, "form": form, "participation": None},
    )


@hub_team_required
@require_safe
def participation_detail(request, access, participation_pk: int):
    """One participation. Queries: it with its project; its schools with their
    authorities; its Work Groups; whether the user is a lead."""
    hub = access.hub
    participation = _participation(hub, participation_pk)
    schools = participation.schools.select_related("school__local_authority").order_by(
        "part", "school__name", "pk"
    )
    workgroups = participation.workgroups.order_by("title", "pk")
    context = {
        "hub": hub,
        "participation": participation,
        "schools": schools,
        "workgroups": workgroups,
    }
    return render(request, "manage/projects/detail.html", context)


@hub_team_required(lead=True)
def participation_edit(request, access, participation_pk: int):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    participation = _participation(hub, participation_pk)
    form = ParticipationForm(request.POST or None, instance=participation, hub=hub)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, "Nothing was changed.")
            return redirect(_detail_url(hub, participation))
        participation_update(
            participation=participation,
            user=request.user,
            fields={name: form.cleaned_data[name] for name in form.changed_data},
        )
        messages.success(request, "Your changes are saved.")
        return redirect(_detail_url(hub, participation))
    return render(
        request,
        "manage/projects/form.html",
        {"hub": hub, "form": form, "participation": participation},
    )


@hub_team_required(lead=True)
def participation_delete(request, access, participation_pk: int):
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    participation = _participation(hub, participation_pk)
    if request.method == "POST":
        name, year = participation.project.name, participation.academic_year_label
        services.participation_delete(participation=participation, user=request.user)
        messages.success(request, f"The record of your hub's part in {name} in {year} is removed.")
        return redirect("manage-projects:list", hub_slug=hub.slug)
    counts = participation.schools.aggregate(n=Count("pk"))
    return render(
        request,
        "manage/projects/delete.html",
        {
            "hub": hub,
            "participation": participation,
            "school_count": counts["n"],
        },
    )


@hub_team_required(lead=True)
def school_add(request, access, participation_pk: int):
    """Add a school found by a GET search (no JavaScript needed), with its part."""
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    participation = _participation(hub, participation_pk)
    params = request.POST if request.method == "POST" else request.GET
    search = SchoolSearchForm(params)

    if request.method == "POST":
        form = ProjectSchoolForm(request.POST, participation=participation)
        if form.is_valid():
            try:
                entry = participation_school_add(
                    participation=participation,
                    user=request.user,
                    school=form.cleaned_data["school"],
                    part=form.cleaned_data["part"],
                )
            except ProjectChangeRefused as refusal:
                form.add_error("school", str(refusal))
            else:
                messages.success(
                    request,
                    f"{entry.school.name} is recorded as a "
                    f"{entry.get_part_display().lower()} in {participation.project.name}.",
                )
                if "add_another" in request.POST:
                    return redirect("manage-projects:school-add", hub.slug, participation.pk)
                return redirect(_detail_url(hub, participation, "schools"))
    else:
        form = ProjectSchoolForm(participation=participation)

    context = {
        "hub": hub,
        "participation": participation,
        "form": form,
        **search.picker(form["school"]),
    }
    return render(request, "manage/projects/school_add.html", context)


@hub_team_required(lead=True)
@require_POST
def school_remove(request, access, participation_pk: int, project_school_pk: int):
    hub = access.hub
    participation = _participation(hub, participation_pk)
    entry = get_object_or_404(
        ProjectSchool.objects.select_related("school"),
        participation=participation,
        pk=project_school_pk,
    )
    entry.participation = participation
    participation_school_remove(entry=entry, user=request.user)
    messages.success(
        request, f"{entry.school.name} is no longer recorded in {participation.project.name}."
    )
    return redirect(_detail_url(hub, participation, "schools"))


@hub_team_required(lead=True)
def workgroups(request, access, participation_pk: int):
    """Choose which of the hub's Work Groups of the same year belong to the participation."""
    hub = access.hub
    access.require_lead(LEADS_ONLY)
    participation = _participation(hub, participation_pk)
    initial = {"workgroups": list(participation.workgroups.values_list("pk", flat=True))}
    form = ParticipationWorkGroupsForm(
        request.POST or None, participation=participation, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            participation_set_workgroups(
                participation=participation,
                user=request.user,
                workgroups=form.cleaned_data["workgroups"],
            )
        except ProjectChangeRefused as refusal:
            form.add_error("workgroups", str(refusal))
        else:
            count = len(form.cleaned_data["workgroups"])
            messages.success(
                request,
                f"{count} Work Group{'' if count == 1 else 's'} now belong"
                f"{'s' if count == 1 else ''} to {participation.project.name} "
                f"in {participation.academic_year_label}.",
            )
            return redirect(_detail_url(hub, participation, "workgroups"))
    return render(
        request,
        "manage/projects/workgroups.html",
        {"hub": hub, "participation": participation, "form": form},
    )
