"""One hub's Work Groups in a table, and one Work Group's enrolments, sessions and schools."""

from django.urls import reverse
from django.utils import timezone

from hubs.models import Hub
from workgroups.models import WorkGroup

from ..queries.filters import Filters
from ..queries.workgroups import WorkGroupReport
from ..tables import PERCENT, TEXT, Column, Link, Table


def workgroups_table(groups: list[WorkGroup], filters: Filters, hub: Hub) -> Table:
    return Table(
        "workgroups",
        f"{hub.name}\u2019s Work Groups, {filters.year_label}",
        [
            Column("Work Group", TEXT),
            Column("National programme or local need", TEXT),
            Column("Places offered"),
            Column("Places filled"),
            Column("Place confirmed"),
            Column("Completed"),
            Column("Waiting list"),
            Column("Withdrawn"),
            Column("Schools engaged"),
            Column("Attendance rate", PERCENT),
            Column("Completion rate", PERCENT),
        ],
        [
            [
                Link(group.title, reverse("reports:workgroup", args=[group.slug])),
                group.programme.name if group.programme else "Local need",
                group.capacity,
                group.places_taken,
                group.confirmed,
                group.completed,
                group.waiting,
                group.withdrawn,
                group.schools,
                group.attendance_rate,
                group.completion_rate,
            ]
            for group in groups
        ],
    )


def workgroup_tables(workgroup: WorkGroup, report: WorkGroupReport) -> list[Table]:
    enrolments = Table(
        "enrolments",
        "Enrolments by status",
        [Column("Status", TEXT), Column("Enrolments")],
        [
            ["Place confirmed", report.confirmed],
            ["Completed", report.completed],
            ["On the waiting list", report.waiting],
            ["Withdrawn", report.withdrawn],
        ],
        foot=[
            "All enrolments",
            report.confirmed + report.completed + report.waiting + report.withdrawn,
        ],
    )
    sessions = Table(
        "sessions",
        "Attendance at each session",
        [
            Column("Session", TEXT),
            Column("Date", TEXT),
            Column("Present"),
            Column("Absent"),
            Column("Attendance rate", PERCENT),
        ],
        [
            [
                f"Session {session.order}",
                f"{timezone.localtime(session.starts_at):%-d %B %Y}",
                session.present,
                session.absent,
                session.attendance_rate,
            ]
            for session in report.sessions
        ],
    )
    schools = Table(
        "schools",
        "Schools taking part",
        [
            Column("School", TEXT),
            Column("URN", TEXT),
            Column("Local authority", TEXT),
            Column("Teachers holding a place"),
            Column("Completed"),
            Column("Waiting list"),
            Column("Withdrawn"),
        ],
        [
            [
                line["school__name"] or "School not given",
                "" if line["school__urn"] is None else str(line["school__urn"]),
                line["school__local_authority__name"] or "",
                line["teachers"],
                line["completed"],
                line["waiting"],
                line["withdrawn"],
            ]
            for line in report.school_rows
        ],
    )
    return [enrolments, sessions, schools]
