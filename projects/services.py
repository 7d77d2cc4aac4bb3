"""Changes to a hub's projects and funding: each in one transaction with its audit entry."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from hubs.audit import audit_record, snapshot
from hubs.models import Hub, School
from hubs_portal.lib.figures import percentage
from projects.models import (
    Allocation,
    NationalProject,
    ProjectParticipation,
    ProjectSchool,
    Spend,
)

PARTICIPATION_FIELDS = ["project", "academic_year", "local_lead", "targets", "outcomes"]
ALLOCATION_FIELDS = ["academic_year", "sponsor", "category", "project", "amount", "note"]
SPEND_FIELDS = ["academic_year", "category", "project", "amount", "description", "spent_on"]
ZERO = Decimal("0.00")


class ProjectChangeRefused(Exception):
    """A change the rules refuse; the message is written for the hub team."""


def _participation_state(participation: ProjectParticipation) -> dict:
    return snapshot(participation, PARTICIPATION_FIELDS) | {
        "project_name": participation.project.name,
    }


# --- Projects -------------------------------------------------------------------------


@transaction.atomic
def participation_create(
    *,
    hub: Hub,
    user,
    project: NationalProject,
    academic_year: int,
    local_lead: str = "",
    targets: str = "",
    outcomes: str = "",
) -> ProjectParticipation:
    """Record that the hub takes part in ``project`` in ``academic_year``."""
    refusal = project.refusal_for_year(academic_year)
    if refusal:
        raise ProjectChangeRefused(refusal)
    participation = ProjectParticipation(
        hub=hub,
        project=project,
        academic_year=academic_year,
        local_lead=local_lead,
        targets=targets,
        outcomes=outcomes,
    )
    try:
        # A savepoint: two leads recording the same project at once meet on
        # the unique constraint, and the second is told in words.
        with transaction.atomic():
            participation.save()
    except IntegrityError:
        raise ProjectChangeRefused(
            f"The hub's part in {project.name} in {participation.academic_year_label} "
            "is already recorded."
        ) from None
    audit_record(
        hub=hub,
        user=user,
        action="project_participation.create",
        target=participation,
        after=_participation_state(participation),
    )
    return participation


@transaction.atomic
def participation_update(
    *, participation: ProjectParticipation, user, fields: dict
) -> ProjectParticipation:
    """Change the local lead, targets or outcomes (project and year stay as they are)."""
    allowed = {"local_lead", "targets", "outcomes"}
    if not set(fields) <= allowed:
        raise ValueError(f"Only {sorted(allowed)} can change.")
    # The row as stored, not the instance a form has already changed.
    locked = (
        ProjectParticipation.objects.select_for_update(of=("self",))
        .select_related("project", "hub")
        .get(pk=participation.pk)
    )
    before = _participation_state(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    audit_record(
        hub=locked.hub,
        user=user,
        action="project_participation.update",
        target=locked,
        before=before,
        after=_participation_state(locked),
    )
    return locked


@transaction.atomic
def participation_delete(*, participation: ProjectParticipation, user) -> None:
    """Remove a participation recorded by mistake, with its schools and Work Group links."""
    before = _participation_state(participation) | {
        "school_names": sorted(participation.schools.values_list("school__name", flat=True)),
    }
    audit_record(
        hub=participation.hub,
        user=user,
        action="project_participation.delete",
        target=participation,
        before=before,
    )
    participation.delete()


def _school_state(entry: ProjectSchool) -> dict:
    # Names rather than ids: the change history shows these keys as they are
    # (it leaves out relation fields such as "school").
    return {
        "school_name": entry.school.name,
        "urn": entry.school.urn,
        "part": entry.part,
        "project_name": entry.participation.project.name,
        "academic_year": entry.participation.academic_year,
    }


@transaction.atomic
def participation_school_add(
    *, participation: ProjectParticipation, user, school: School, part: str
) -> ProjectSchool:
    entry = ProjectSchool(participation=participation, school=school, part=part)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ProjectChangeRefused(
            f"{school.name} is already part of this project in {participation.academic_year_label}."
        ) from None
    audit_record(
        hub=participation.hub,
        user=user,
        action="project_school.add",
        target=entry,
        after=_school_state(entry),
    )
    return entry


@transaction.atomic
def participation_school_remove(*, entry: ProjectSchool, user) -> None:
    audit_record(
        hub=entry.participation.hub,
        user=user,
        action="project_school.remove",
        target=entry,
        before=_school_state(entry),
    )
    entry.delete()


@transaction.atomic
def participation_set_workgroups(
    *, participation: ProjectParticipation, user, workgroups
) -> ProjectParticipation:
    """Set the Work Groups that belong to the participation: the hub's own, of the same year."""
    workgroups = list(workgroups)
    strangers = [
        group
        for group in workgroups
        if group.hub_id != participation.hub_id
        or group.academic_year != participation.academic_year
    ]
    if strangers:
        raise ProjectChangeRefused(
            f"Only the hub's own Work Groups of {participation.academic_year_label} can belong "
            f"to its part in a project; {strangers[0].title} cannot."
        )
    before = sorted(participation.workgroups.values_list("title", flat=True))
    participation.workgroups.set(workgroups)
    after = sorted(group.title for group in workgroups)
    if before != after:
        audit_record(
            hub=participation.hub,
            user=user,
            action="project_participation.workgroups",
            target=participation,
            before={"work_groups": before},
            after={"work_groups": after},
        )
    return participation


# --- Funding --------------------------------------------------------------------------


def _allocation_state(allocation: Allocation) -> dict:
    state = snapshot(allocation, ALLOCATION_FIELDS)
    if allocation.project_id:
        state["project_name"] = allocation.project.name
    return state


def _spend_state(spend: Spend) -> dict:
    # academic_year is not editable (it follows the date), so snapshot() skips it.
    state = snapshot(spend, SPEND_FIELDS) | {"academic_year": spend.academic_year}
    if spend.project_id:
        state["project_name"] = spend.project.name
    return state


@transaction.atomic
def allocation_record(
    *,
    hub: Hub,
    user,
    academic_year: int,
    sponsor: str,
    category: str,
    amount: Decimal,
    project: NationalProject | None = None,
    note: str = "",
) -> Allocation:
    """Record money the hub is given. The database refuses what the form should have."""
    allocation = Allocation.objects.create(
        hub=hub,
        academic_year=academic_year,
        sponsor=sponsor,
        category=category,
        project=project,
        amount=amount,
        note=note,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit_record(
        hub=hub,
        user=user,
        action="allocation.record",
        target=allocation,
        after=_allocation_state(allocation),
    )
    return allocation


@transaction.atomic
def allocation_remove(*, allocation: Allocation, user) -> None:
    audit_record(
        hub=allocation.hub,
        user=user,
        action="allocation.remove",
        target=allocation,
        before=_allocation_state(allocation),
    )
    allocation.delete()


@transaction.atomic
def spend_record(
    *,
    hub: Hub,
    user,
    spent_on: date,
    category: str,
    amount: Decimal,
    description: str,
    project: NationalProject | None = None,
) -> Spend:
    spend = Spend.objects.create(
        hub=hub,
        spent_on=spent_on,
        category=category,
        amount=amount,
        description=description,
        project=project,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit_record(hub=hub, user=user, action="spend.record", target=spend, after=_spend_state(spend))
    return spend


@transaction.atomic
def spend_remove(*, spend: Spend, user) -> None:
    audit_record(
        hub=spend.hub, user=user, action="spend.remove", target=spend, before=_spend_state(spend)
    )
    spend.delete()


# --- What the funding page shows --------------------------------------------------------


def funding_summary(*, hub: Hub, academic_year: int) -> dict:
    """Allocated, spent, balance and the share of spend on classroom-based CPD, in pounds.

    The sums are the database's (two queries); only the share's division and
    rounding happen here, on Decimals, so nothing passes through a float.
    """
    allocated = Allocation.objects.filter(hub=hub, academic_year=academic_year).aggregate(
        total=Coalesce(Sum("amount"), ZERO),
        structural=Coalesce(Sum("amount", filter=Q(category=Allocation.Category.STRUCTURAL)), ZERO),
        project=Coalesce(Sum("amount", filter=Q(category=Allocation.Category.PROJECT)), ZERO),
    )
    spent = Spend.objects.filter(hub=hub, academic_year=academic_year).aggregate(
        total=Coalesce(Sum("amount"), ZERO),
        classroom_cpd=Coalesce(
            Sum("amount", filter=Q(category=Spend.Category.CLASSROOM_CPD)), ZERO
        ),
        lines=Count("pk"),
    )
    return {
        "allocated": allocated["total"],
        "allocated_structural": allocated["structural"],
        "allocated_project": allocated["project"],
        "spent": spent["total"],
        "spent_lines": spent["lines"],
        "balance": allocated["total"] - spent["total"],
        "classroom_cpd": spent["classroom_cpd"],
        "classroom_cpd_share": percentage(spent["classroom_cpd"], spent["total"]),
    }


def spending_by_category(*, hub: Hub, academic_year: int) -> list[dict]:
    """Every spending category, in the order of the choices, with its total and share.

    One query: the database groups and sums; categories with nothing spent show £0.
    """
    totals = dict(
        Spend.objects.filter(hub=hub, academic_year=academic_year)
        .order_by()
        .values_list("category")
        .annotate(total=Sum("amount"))
        .values_list("category", "total")
    )
    whole = sum(totals.values(), ZERO)
    return [
        {
            "category": category,
            "label": label,
            "total": totals.get(category, ZERO),
            "share": percentage(totals.get(category, ZERO), whole),
        }
        for category, label in Spend.Category.choices
    ]
