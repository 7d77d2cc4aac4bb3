"""One hub's Work Groups side by side, and one Work Group in detail."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from hubs.models import Hub
from hubs_portal.lib.figures import percentage
from workgroups.models import Attendance, Enrolment, Session, WorkGroup

from .filters import HELD, HOLDS_PLACE, Filters, distinct_counts, year_workgroups


def hub_workgroups(filters: Filters, hub: Hub) -> list[WorkGroup]:
    """The hub's Work Groups that year, each with its enrolments counted (two queries)."""
    groups = list(
        year_workgroups(filters, [hub.pk])
        .select_related("programme")
        .annotate(
            confirmed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.CONFIRMED)),
            completed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.COMPLETED)),
            waiting=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING)),
            withdrawn=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WITHDRAWN)),
            schools=Count(
                "enrolments__school",
                distinct=True,
                filter=Q(enrolments__status__in=HELD),
            ),
        )
        .order_by("title")
    )
    # Attendance separately: joined to the enrolments above, it would multiply them.
    attendance = {
        line["session__workgroup_id"]: line
        for line in Attendance.objects.filter(session__workgroup__in=[g.pk for g in groups])
        .order_by()
        .values("session__workgroup_id")
        .annotate(attended=Count("present", filter=Q(present=True)), recorded=Count("present"))
    }
    for group in groups:
        line = attendance.get(group.pk, {})
        group.attendance_rate = percentage(line.get("attended", 0), line.get("recorded"))
        group.completion_rate = percentage(group.completed, group.confirmed + group.completed)
    return groups


@dataclass
class WorkGroupReport:
    confirmed: int
    completed: int
    waiting: int
    withdrawn: int
    schools: int
    teachers: int
    sessions: list[Session]
    school_rows: list[dict]

    @property
    def held(self) -> int:
        return self.confirmed + self.completed

    @property
    def completion_rate(self) -> Decimal | None:
        return percentage(self.completed, self.held)


def workgroup_report(workgroup: WorkGroup) -> WorkGroupReport:
    """Places, enrolments by status, attendance per session and schools (three queries)."""
    enrolments = Enrolment.objects.filter(workgroup=workgroup).order_by()
    by_status = {
        status: Count("status", filter=Q(status=status)) for status in Enrolment.Status.values
    }
    counts = enrolments.aggregate(**by_status, **distinct_counts())
    sessions = list(
        Session.objects.filter(workgroup=workgroup)
        .annotate(
            present=Count("attendance", filter=Q(attendance__present=True)),
            absent=Count("attendance", filter=Q(attendance__present=False)),
        )
        .order_by("order")
    )
    for session in sessions:
        session.attendance_rate = percentage(session.present, session.present + session.absent)
    school_rows = list(
        enrolments.values(
            "school_id", "school__urn", "school__name", "school__local_authority__name"
        )
        .annotate(
            teachers=Count("teacher", distinct=True, filter=HOLDS_PLACE),
            completed=Count("status", filter=Q(status=Enrolment.Status.COMPLETED)),
            waiting=Count("status", filter=Q(status=Enrolment.Status.WAITING)),
            withdrawn=Count("status", filter=Q(status=Enrolment.Status.WITHDRAWN)),
        )
        .order_by("school__name", "school_id")
    )
    return WorkGroupReport(
        confirmed=counts["confirmed"],
        completed=counts["completed"],
        waiting=counts["waiting"],
        withdrawn=counts["withdrawn"],
        schools=counts["schools"],
        teachers=counts["teachers"],
        sessions=sessions,
        school_rows=school_rows,
    )
