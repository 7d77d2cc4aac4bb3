"""What every report starts from: its filters, the hubs it shows, the Work Groups they select."""

from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q

from hubs.models import Hub, School
from hubs_portal.lib.academic_year import academic_year_label
from workgroups.models import Enrolment, WorkGroup

from ..access import ReportScope

# Engaged: an enrolment holding a place (confirmed or completed).
HELD = [str(status) for status in Enrolment.HOLDS_PLACE]
HOLDS_PLACE = Q(status__in=HELD)


class PhaseGroup(NamedTuple):
    """A phase to filter by: the register's school phases, and the Work Groups for them."""

    label: str
    school_phases: tuple[str, ...]
    # Teaching phases of the Work Groups counted; None: Work Groups of any phase.
    teaching_phases: tuple[str, ...] | None


P = School.Phase
PHASES: dict[str, PhaseGroup] = {
    "primary": PhaseGroup("Primary", (P.PRIMARY, P.MIDDLE_PRIMARY), ("eyfs", "primary")),
    "secondary": PhaseGroup(
        "Secondary", (P.SECONDARY, P.MIDDLE_SECONDARY), ("secondary", "post16")
    ),
    "all_through": PhaseGroup("All-through", (P.ALL_THROUGH,), None),
    "16_plus": PhaseGroup("16 plus (colleges)", (P.SIXTEEN_PLUS,), ("post16",)),
    "nursery": PhaseGroup("Nursery", (P.NURSERY,), ("eyfs",)),
    "not_applicable": PhaseGroup(
        "No phase (special schools, pupil referral units and others)", (P.NOT_APPLICABLE,), None
    ),
}
PHASE_OF_SCHOOL = {school: key for key, group in PHASES.items() for school in group.school_phases}


@dataclass(frozen=True)
class Filters:
    """The report's filters, already checked (see forms.ReportFilterForm)."""

    year: int
    region_code: str = ""
    region_name: str = ""
    phase: str = ""

    @property
    def year_label(self) -> str:
        return academic_year_label(self.year)

    @property
    def phase_group(self) -> PhaseGroup | None:
        return PHASES.get(self.phase)

    @property
    def phase_label(self) -> str:
        group = self.phase_group
        return group.label if group else ""

    @property
    def drill_query(self) -> str:
        """The query string for links to a region, a hub or the other reports: the year and
        the phase, not the region."""
        params = {"year": self.year}
        if self.phase:
            params["phase"] = self.phase
        return f"?{urlencode(params)}"


def scoped_hubs(filters: Filters, scope: ReportScope) -> list[Hub]:
    """The hubs the report shows: the region's (if chosen) that the reader may see. One query."""
    hubs = Hub.objects.select_related("region").order_by("name")
    if filters.region_code:
        hubs = hubs.filter(region__code=filters.region_code)
    if scope.hub_ids is not None:
        hubs = hubs.filter(pk__in=scope.hub_ids)
    return list(hubs)


def distinct_counts() -> dict:
    """Schools and teachers holding a place, each once: aggregates for an enrolment query."""
    # COUNT(DISTINCT ...) on the enrolment's own columns: no join. With an
    # index on (workgroup) INCLUDE (status, school, teacher), PostgreSQL
    # reads the index alone.
    return {
        "schools": Count("school", distinct=True, filter=HOLDS_PLACE),
        "teachers": Count("teacher", distinct=True, filter=HOLDS_PLACE),
    }


def of_phase(groups, filters: Filters):
    """Work Groups for the filtered phase (all of them if the phase has no teaching phases)."""
    group = filters.phase_group
    if group and group.teaching_phases:
        for_phase = WorkGroup.phases.through.objects.filter(
            workgroup_id=OuterRef("pk"), teachingphase__code__in=group.teaching_phases
        )
        groups = groups.filter(Exists(for_phase))
    return groups


def year_workgroups(filters: Filters, hub_ids: list[int]):
    """The hubs' published Work Groups in the filtered year and phase, unordered."""
    groups = WorkGroup.objects.published().filter(academic_year=filters.year, hub_id__in=hub_ids)
    return of_phase(groups, filters).order_by()
