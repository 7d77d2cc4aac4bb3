"""Plain factory functions: boring on purpose, one style for the whole suite."""

from itertools import count

from hubs.models import Hub, LocalAuthority, Partnership, School

_urns = count(800001)


def make_school(*, la_code: str = "841", name: str | None = None, **fields) -> School:
    urn = fields.pop("urn", next(_urns))
    fields.setdefault("postcode", "DL1 1AA")
    fields.setdefault("phase", School.Phase.PRIMARY)
    return School.objects.create(
        urn=urn,
        name=name or f"Test School {urn}",
        local_authority=LocalAuthority.objects.get(code=la_code),
        **fields,
    )


def make_lead(hub: Hub, school: School | None = None, **fields) -> Partnership:
    fields.setdefault("role", Partnership.Role.LEAD_SCHOOL)
    return Partnership.objects.create(hub=hub, school=school, **fields)
