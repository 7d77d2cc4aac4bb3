"""What projects hold about a person: a hub's local lead by name, and funding records a
team member made. Registered with accounts/personal_data.py from ProjectsConfig.ready();
deleting an account keeps both (the hub's records and accounts)."""

from accounts import personal_data
from accounts.personal_data import Person, when
from projects.models import Allocation, ProjectParticipation, Spend


def export_local_lead(person: Person) -> list[dict]:
    if not person.name:
        return []
    return [
        {"project": p.project.name, "hub": p.hub.name, "academic_year": p.academic_year_label}
        for p in ProjectParticipation.objects.filter(local_lead__iexact=person.name)
        .select_related("hub", "project")
        .order_by("academic_year", "pk")
    ]


def export_funding(person: Person) -> list[dict]:
    """Allocations, then spending, the person recorded (2 queries)."""
    allocations = [
        {
            "kind": "allocation",
            "hub": a.hub.name,
            "academic_year": a.academic_year_label,
            "amount": str(a.amount),
            "note": a.note,
            "recorded_at": when(a.recorded_at),
        }
        for a in Allocation.objects.filter(recorded_by=person.user)
        .select_related("hub")
        .order_by("recorded_at", "pk")
    ]
    spending = [
        {
            "kind": "spending",
            "hub": s.hub.name,
            "spent_on": when(s.spent_on),
            "amount": str(s.amount),
            "description": s.description,
            "recorded_at": when(s.recorded_at),
        }
        for s in Spend.objects.filter(recorded_by=person.user)
        .select_related("hub")
        .order_by("recorded_at", "pk")
    ]
    return allocations + spending


personal_data.register("records_naming_you.project_local_lead", order=420, export=export_local_lead)
personal_data.register(
    "hub_team_work.funding_records",
    order=650,
    export=export_funding,
    links={
        "projects.Allocation.recorded_by": "kept: the hub's accounts",
        "projects.Spend.recorded_by": "kept: the hub's accounts",
    },
)
