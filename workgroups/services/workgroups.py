"""The hub team's changes to a Work Group: create, describe, publish, close, places.

Every change is made in one transaction with its entry in the hub's audit
trail. Changes that touch places or the enrolments lock the Work Group row
first, like joining and withdrawing, so they take turns with them.
"""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from hubs.audit import audit_record, snapshot
from hubs.models import Hub
from hubs_portal.lib.academic_year import academic_year_label
from workgroups.models import Enrolment, WorkGroup
from workgroups.services.enrolments import _promote_next

WORKGROUP_AUDIT_FIELDS = [
    "title",
    "slug",
    "programme",
    "local_need",
    "phases",
    "audience",
    "description",
    "delivery",
    "academic_year",
    "capacity",
    "eligibility",
    "application_deadline",
    "cost",
    "status",
    "lead_name",
]

SLUG_MAX = WorkGroup._meta.get_field("slug").max_length


class WorkGroupChangeRefused(Exception):
    """The hub team cannot make this change; the message is written for them."""


def _locked(workgroup_id: int) -> WorkGroup:
    return WorkGroup.objects.select_for_update().select_related("hub").get(pk=workgroup_id)


def workgroup_slug(*, title: str, hub: Hub, academic_year: int) -> str:
    """A unique slug from the title, hub and year: "-2", "-3"... on a clash."""
    base = slugify(f"{title} {hub.slug} {academic_year_label(academic_year)}")
    base = base[: SLUG_MAX - 4].strip("-") or "work-group"
    taken = set(WorkGroup.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, suffix = base, 1
    while slug in taken:
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


@transaction.atomic
def workgroup_create(*, hub: Hub, user, workgroup: WorkGroup, phases) -> WorkGroup:
    """Save a new (draft) Work Group built by the form, with its phases."""
    workgroup.hub = hub
    workgroup.status = WorkGroup.Status.DRAFT
    for _attempt in range(5):
        workgroup.slug = workgroup_slug(
            title=workgroup.title, hub=hub, academic_year=workgroup.academic_year
        )
        try:
            # A savepoint: two teams naming a group alike at the same moment
            # meet on the unique slug, and the second takes the next suffix.
            with transaction.atomic():
                workgroup.save()
            break
        except IntegrityError:
            if WorkGroup.objects.filter(slug=workgroup.slug).exists():
                workgroup.pk = None
                continue
            raise
    else:
        raise WorkGroupChangeRefused("Please try again: another Work Group took that name.")
    workgroup.phases.set(phases)
    audit_record(
        hub=hub,
        user=user,
        action="workgroup.create",
        target=workgroup,
        after=snapshot(workgroup, WORKGROUP_AUDIT_FIELDS),
    )
    return workgroup


@transaction.atomic
def workgroup_update(*, workgroup: WorkGroup, user, fields: dict, phases) -> WorkGroup:
    """Change a Work Group's description. Places go through workgroup_set_capacity."""
    locked = _locked(workgroup.pk)
    before = snapshot(locked, WORKGROUP_AUDIT_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    locked.phases.set(phases)
    after = snapshot(locked, WORKGROUP_AUDIT_FIELDS)
    audit_record(
        hub=locked.hub,
        user=user,
        action="workgroup.update",
        target=locked,
        before=before,
        after=after,
    )
    return locked


def _change_status(workgroup_id: int, user, *, source: str, target: str, action: str, refusal: str):
    workgroup = _locked(workgroup_id)
    if workgroup.status != source:
        raise WorkGroupChangeRefused(refusal)
    workgroup.status = target
    workgroup.save(update_fields=["status", "updated_at"])
    audit_record(
        hub=workgroup.hub,
        user=user,
        action=action,
        target=workgroup,
        before={"status": source},
        after={"status": target},
    )
    return workgroup


@transaction.atomic
def workgroup_publish(*, workgroup_id: int, user) -> WorkGroup:
    """Draft to open: teachers can see the Work Group and apply."""
    return _change_status(
        workgroup_id,
        user,
        source=WorkGroup.Status.DRAFT,
        target=WorkGroup.Status.OPEN,
        action="workgroup.publish",
        refusal="Only a draft Work Group can be published.",
    )


@transaction.atomic
def workgroup_close(*, workgroup_id: int, user) -> WorkGroup:
    """Open to closed: no more applications; the evaluation can be written."""
    return _change_status(
        workgroup_id,
        user,
        source=WorkGroup.Status.OPEN,
        target=WorkGroup.Status.CLOSED,
        action="workgroup.close",
        refusal="Only a Work Group that is open can be closed.",
    )


@transaction.atomic
def workgroup_set_capacity(*, workgroup_id: int, capacity: int, user) -> list[Enrolment]:
    """Offer more or fewer places; returns who was given a place from the waiting list.

    Raising the number gives the new places to the waiting list in the order
    teachers asked (each gets the "promoted" e-mail). Fewer places than
    teachers already holding one is refused: nobody loses a confirmed place.
    """
    workgroup = _locked(workgroup_id)
    taken = workgroup.places_taken
    if capacity < taken:
        have = (
            "1 teacher already has a place"
            if taken == 1
            else f"{taken} teachers already have places"
        )
        raise WorkGroupChangeRefused(f"{have}; you cannot offer fewer than {taken}.")
    if capacity < 1:
        raise WorkGroupChangeRefused("A Work Group needs at least 1 place.")
    before = workgroup.capacity
    if capacity == before:
        return []
    workgroup.capacity = capacity
    workgroup.save(update_fields=["capacity", "updated_at"])
    promoted = []
    while (enrolment := _promote_next(workgroup)) is not None:
        promoted.append(enrolment)
    audit_record(
        hub=workgroup.hub,
        user=user,
        action="workgroup.places",
        target=workgroup,
        before={"capacity": before, "places_taken": taken},
        after={
            "capacity": capacity,
            "places_taken": workgroup.places_taken,
            "promoted_enrolments": [e.pk for e in promoted],
        },
    )
    return promoted
