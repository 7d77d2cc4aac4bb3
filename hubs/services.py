"""Flows that change several hub records at once, each in one transaction."""

from django.db import transaction
from django.db.models import Q

from hubs.models import Hub, Partnership, School


@transaction.atomic
def partnership_add(*, hub: Hub, **fields) -> Partnership:
    """Record a partnership, refusing a third current lead school.

    The hub row is locked first so that two people adding lead schools at the
    same moment cannot both pass the count in Partnership.clean().
    """
    Hub.objects.select_for_update().get(pk=hub.pk)
    partnership = Partnership(hub=hub, **fields)
    partnership.full_clean()
    partnership.save()
    return partnership


def _name_candidates(recorded_name: str) -> list[str]:
    # Recorded names sometimes add the town: "Carmel College, Darlington".
    names = [recorded_name.strip()]
    if "," in recorded_name:
        names.append(recorded_name.rsplit(",", 1)[0].strip())
    return names


@transaction.atomic
def lead_schools_link() -> tuple[int, list[Partnership]]:
    """Link lead schools recorded by name to the school register.

    A name is linked only when exactly one open school in the hub's area has
    that name; anything else is left for staff to link by hand in the admin.
    Returns how many were linked and the partnerships still unlinked.
    """
    linked = 0
    unlinked = []
    pending = (
        Partnership.objects.filter(school__isnull=True, organisation__isnull=True)
        .exclude(recorded_name="")
        .select_related("hub")
    )
    for partnership in pending:
        query = Q()
        for name in _name_candidates(partnership.recorded_name):
            query |= Q(name__iexact=name)
        matches = list(
            School.objects.open()
            .filter(query, local_authority__hubs=partnership.hub_id)
            .distinct()[:2]
        )
        if len(matches) == 1:
            partnership.school = matches[0]
            partnership.save(update_fields=["school"])
            linked += 1
        else:
            unlinked.append(partnership)
    return linked, unlinked
