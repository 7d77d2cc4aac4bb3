"""The main report: one row of figures per hub, with region rows and totals for NCETM staff."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from exchange.models import ExchangeTeacher
from hubs.models import Hub
from hubs_portal.lib.figures import percentage
from projects.models import Allocation, ProjectParticipation, Spend
from workgroups.models import Attendance

from .filters import Filters, year_workgroups
from .network_sql import enrolment_figures, open_schools_in_areas

ZERO = Decimal("0.00")


@dataclass
class Figures:
    """The main report's figures for one hub, one region or every hub shown."""

    schools: int = 0
    area_schools: int | None = None
    area_engaged: int | None = None
    teachers: int = 0
    held: int = 0
    completed: int = 0
    waiting: int = 0
    national_groups: int = 0
    local_groups: int = 0
    places_offered: int = 0
    places_filled: int = 0
    present: int = 0
    recorded: int = 0
    projects: int = 0
    exchange: int = 0
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    classroom_cpd: Decimal = ZERO

    # Figures that add up over hubs; the others are counted by the database.
    ADDITIVE = (
        "held",
        "completed",
        "waiting",
        "national_groups",
        "local_groups",
        "places_offered",
        "places_filled",
        "present",
        "recorded",
        "projects",
        "exchange",
        "allocated",
        "spent",
        "classroom_cpd",
    )

    @property
    def groups(self) -> int:
        return self.national_groups + self.local_groups

    @property
    def area_share(self) -> Decimal | None:
        return percentage(self.area_engaged or 0, self.area_schools)

    @property
    def attendance_rate(self) -> Decimal | None:
        return percentage(self.present, self.recorded)

    @property
    def completion_rate(self) -> Decimal | None:
        return percentage(self.completed, self.held)

    @property
    def cpd_share(self) -> Decimal | None:
        return percentage(self.classroom_cpd, self.spent)

    def add(self, other: "Figures") -> None:
        for name in self.ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class HubRow:
    hub: Hub
    figures: Figures = field(default_factory=Figures)


@dataclass
class RegionRow:
    code: str
    name: str
    hubs: int = 0
    figures: Figures = field(default_factory=Figures)


@dataclass
class NetworkReport:
    rows: list[HubRow]
    # Only for readers who may see them (NCETM staff): hidden from hub teams.
    total: Figures | None = None
    regions: list[RegionRow] | None = None


def network_report(
    filters: Filters, hubs: list[Hub], *, totals: bool, regions: bool = False
) -> NetworkReport:
    """One row of figures per hub, with the totals (and region rows) when asked for.

    Queries (whatever the number of enrolments): 1 enrolments per hub, 2 open
    schools in each hub's area (and in the union of the areas), 3 attendance
    per hub, 4 Work Groups per hub, 5 project participations, 6 exchange
    teachers, 7 allocations, 8 spending; with ``totals`` 9 distinct schools
    and teachers over all the hubs; with ``regions`` 10 the same per region.
    """
    hub_ids = [hub.pk for hub in hubs]
    rows = {hub.pk: HubRow(hub) for hub in hubs}
    union_area = (0, 0)

    for hub_id, line in enrolment_figures(filters, hub_ids, "hub"):
        figures = rows[hub_id].figures
        for name, value in line.items():
            setattr(figures, name, value)
    for hub_id, schools in open_schools_in_areas(filters, hub_ids, union=totals):
        if hub_id is None:
            union_area = (schools, union_area[1])
        else:
            rows[hub_id].figures.area_schools = schools
    for row in rows.values():
        row.figures.area_schools = row.figures.area_schools or 0
        row.figures.area_engaged = row.figures.area_engaged or 0

    # Which way to reach the Work Group depends on the filter (measured at
    # national scale, 1,000,000 enrolments): with a phase filter the school is
    # reached through the enrolment anyway, and grouping through the enrolment
    # too avoids scanning every enrolment (the query 296 -> 162 ms); without
    # one, going through the session is the faster plan. An attendance row's
    # session and enrolment always belong to the same Work Group.
    via = "enrolment" if filters.phase_group else "session"
    attendance = Attendance.objects.filter(
        **{
            f"{via}__workgroup__academic_year": filters.year,
            f"{via}__workgroup__hub_id__in": hub_ids,
        }
    )
    if group := filters.phase_group:
        attendance = attendance.filter(enrolment__school__phase__in=group.school_phases)
    for line in (
        attendance.order_by()
        .values(hub=F(f"{via}__workgroup__hub_id"))
        .annotate(attended=Count("present", filter=Q(present=True)), recorded=Count("present"))
    ):
        figures = rows[line["hub"]].figures
        figures.present, figures.recorded = line["attended"], line["recorded"]

    for line in (
        year_workgroups(filters, hub_ids)
        .values("hub_id")
        .annotate(
            national_groups=Count("pk", filter=Q(programme__isnull=False)),
            local_groups=Count("pk", filter=Q(programme__isnull=True)),
            places_offered=Sum("capacity"),
            places_filled=Sum("places_taken"),
        )
    ):
        figures = rows[line.pop("hub_id")].figures
        for name, value in line.items():
            setattr(figures, name, value)

    in_year = {"academic_year": filters.year, "hub_id__in": hub_ids}
    counted = [
        ("projects", ProjectParticipation.objects.filter(**in_year)),
        (
            "exchange",
            ExchangeTeacher.objects.filter(
                exchange_year__academic_year=filters.year, hub_id__in=hub_ids
            ),
        ),
    ]
    for name, queryset in counted:
        for line in queryset.order_by().values("hub_id").annotate(n=Count("pk")):
            setattr(rows[line["hub_id"]].figures, name, line["n"])
    for line in (
        Allocation.objects.filter(**in_year).order_by().values("hub_id").annotate(t=Sum("amount"))
    ):
        rows[line["hub_id"]].figures.allocated = line["t"]
    for line in (
        Spend.objects.filter(**in_year)
        .order_by()
        .values("hub_id")
        .annotate(
            t=Sum("amount"),
            cpd=Sum("amount", filter=Q(category=Spend.Category.CLASSROOM_CPD), default=ZERO),
        )
    ):
        rows[line["hub_id"]].figures.spent = line["t"]
        rows[line["hub_id"]].figures.classroom_cpd = line["cpd"]

    report = NetworkReport(rows=list(rows.values()))
    if not (totals or regions):
        return report
    total = Figures()
    by_region: dict[int, RegionRow] = {}
    for row in report.rows:
        total.add(row.figures)
        region = row.hub.region
        line = by_region.setdefault(region.pk, RegionRow(region.code, region.name))
        line.hubs += 1
        line.figures.add(row.figures)
    # Schools and teachers once overall and once per region: counted again, not summed.
    if totals:
        for _key, line in enrolment_figures(filters, hub_ids, "all"):
            total.schools, total.teachers = line["schools"], line["teachers"]
            union_area = (union_area[0], line["area_engaged"])
        total.area_schools, total.area_engaged = union_area
        report.total = total
    if regions:
        for region_id, line in enrolment_figures(filters, hub_ids, "region"):
            figures = by_region[region_id].figures
            figures.schools, figures.teachers = line["schools"], line["teachers"]
        report.regions = sorted(by_region.values(), key=lambda region: region.name)
    return report
