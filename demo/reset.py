"""How demo rows are recognised, and removed without touching anything else.

- People: an address at ``demo.example`` (the personas, each hub's demo lead,
  the demo teachers). What they did hangs off them: enrolments, observer
  places, memberships, allauth's addresses and authenticators, funding and
  issues they recorded, the hub change history they wrote, e-mails to them.
- Work Groups: a slug starting "demo-" (load_demo_workgroups' and ours), with
  their sessions, enrolments (anyone's), attendance and evaluations.
- Project participations: recorded by a demo person (the audit entry the
  workspace writes, "project_participation.create").
- Exchange: nominations with a demo address, the Shanghai teachers paired
  with them, and their showcases; newsletter subscribers with a demo address.

Kept: the reference data, the GIAS schools, the national programmes and the
exchange years (the exchange's calendar), which other records may share.
"""

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from accounts.models import User
from exchange.models import (
    ExchangeTeacher,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from hubs.models import AuditEntry
from newsletters.models import Issue, Subscriber
from notifications.models import Email
from projects.models import Allocation, ProjectParticipation, ProjectSchool, Spend
from workgroups.models import Attendance, Enrolment, WorkGroup

from .accounts import DEMO_SUFFIX
from .load_projects import PARTICIPATION_CREATED
from .workgroups import DEMO_PREFIX


def demo_users():
    return User.objects.filter(email__iendswith=DEMO_SUFFIX)


def demo_workgroups():
    return WorkGroup.objects.filter(slug__startswith=DEMO_PREFIX)


def demo_participations():
    ids = AuditEntry.objects.filter(
        action=PARTICIPATION_CREATED,
        content_type=ContentType.objects.get_for_model(ProjectParticipation),
        user__in=demo_users(),
    ).values_list("object_id", flat=True)
    return ProjectParticipation.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()])


def is_loaded() -> bool:
    """Whether the demo's people have taken part in its Work Groups (the data stage ran)."""
    return Enrolment.objects.filter(
        workgroup__slug__startswith=DEMO_PREFIX, teacher__email__iendswith=DEMO_SUFFIX
    ).exists()


def delete_demo() -> dict[str, int]:
    """Delete every demo row, children first; return how many of each kind went."""
    users = demo_users()
    groups = demo_workgroups()
    nominations = ExchangeTeacher.objects.filter(email__iendswith=DEMO_SUFFIX)
    guests = ShanghaiTeacher.objects.filter(pairings__english_teacher__in=nominations)
    showcases = Showcase.objects.filter(
        Q(shanghai_teacher__in=guests)
        | Q(host_school__in=nominations.values("school"), hub__in=nominations.values("hub"),
            exchange_year__in=nominations.values("exchange_year"))
    )  # fmt: skip
    participations = list(demo_participations().values_list("pk", flat=True))
    enrolments = Enrolment.objects.filter(Q(workgroup__in=groups) | Q(teacher__in=users))
    gone: dict[str, int] = {}

    def delete(label: str, queryset) -> None:
        _, per_model = queryset.delete()
        # Only the rows asked for: those that went with them are counted under their own label.
        gone[label] = per_model.get(queryset.model._meta.label, 0)

    # Materialise the sets that are defined through rows about to go.
    guest_ids = list(guests.values_list("pk", flat=True))
    showcase_ids = list(showcases.values_list("pk", flat=True))
    delete(
        "attendance",
        Attendance.objects.filter(Q(enrolment__in=enrolments) | Q(session__workgroup__in=groups)),
    )
    delete("enrolments", enrolments)
    delete(
        "observer registrations",
        ObserverRegistration.objects.filter(Q(showcase_id__in=showcase_ids) | Q(teacher__in=users)),
    )
    delete("showcases", Showcase.objects.filter(pk__in=showcase_ids))
    delete("pairings", Pairing.objects.filter(Q(shanghai_teacher_id__in=guest_ids)
                                              | Q(english_teacher__in=nominations)))  # fmt: skip
    delete("Shanghai teachers", ShanghaiTeacher.objects.filter(pk__in=guest_ids))
    delete("exchange nominations", nominations)
    delete("project schools", ProjectSchool.objects.filter(participation_id__in=participations))
    delete("project participations", ProjectParticipation.objects.filter(pk__in=participations))
    delete("funding allocations", Allocation.objects.filter(recorded_by__in=users))
    delete("spending records", Spend.objects.filter(recorded_by__in=users))
    delete("newsletter issues", Issue.objects.filter(created_by__in=users))
    delete("newsletter subscribers", Subscriber.objects.filter(email__iendswith=DEMO_SUFFIX))
    # Sessions, phases, evaluations, messages and project links go with their group.
    delete("Work Groups", groups)
    delete("change history", AuditEntry.objects.filter(user__in=users))
    delete("e-mails", Email.objects.filter(to__iendswith=DEMO_SUFFIX))
    delete("e-mail addresses", EmailAddress.objects.filter(user__in=users))
    # Memberships, authenticators, phases and sessions go with the person.
    delete("people", users)
    return {label: count for label, count in gone.items() if count}
