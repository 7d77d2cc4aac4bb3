"""Flows that change hub records, each in one transaction with its audit entry.

Keyword-only; ``by`` is the person making the change, or None for a command
run on the server. Refusals are exceptions worded for people.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q

from hubs.audit import audit_record, snapshot
from hubs.models import (
    Hub,
    HubMembership,
    LeadershipTeamMember,
    Organisation,
    Partnership,
    School,
)

PARTNERSHIP_FIELDS = [
    "role",
    "school",
    "organisation",
    "recorded_name",
    "status",
    "start_date",
    "end_date",
]
LEADER_FIELDS = ["name", "role", "email", "display_order"]
CONTACT_FIELDS = ["contact_email", "website"]


# --- Partners, leadership team and contact details -------------------------------


def _partnership_state(partnership: Partnership) -> dict:
    return snapshot(partnership, PARTNERSHIP_FIELDS) | {"partner": partnership.partner_name}


@transaction.atomic
def partnership_add(
    *,
    hub: Hub,
    by,
    new_organisation_name: str = "",
    new_organisation_kind: str = "",
    **fields,
) -> Partnership:
    """Record a partnership, refusing a third current lead school (ValidationError).

    With neither ``school`` nor ``organisation`` given, the partner is the
    organisation called ``new_organisation_name``, added if it is new. The hub
    row is locked first so that two people adding lead schools at the same
    moment cannot both pass the count in Partnership.clean().
    """
    Hub.objects.select_for_update().get(pk=hub.pk)
    if fields.get("school") is None and fields.get("organisation") is None:
        organisation, created = Organisation.objects.get_or_create(
            name=new_organisation_name,
            defaults={"kind": new_organisation_kind or Organisation.Kind.OTHER},
        )
        if created:
            audit_record(
                hub=hub,
                user=by,
                action="organisation.add",
                target=organisation,
                after=snapshot(organisation, ["name", "kind"]),
            )
        fields["organisation"] = organisation
    partnership = Partnership(hub=hub, **fields)
    partnership.full_clean()
    partnership.save()
    audit_record(
        hub=hub,
        user=by,
        action="partnership.add",
        target=partnership,
        after=_partnership_state(partnership),
    )
    return partnership


@transaction.atomic
def partnership_end(*, partnership: Partnership, end_date, by) -> None:
    """Record the last day of a partnership."""
    before = _partnership_state(partnership)
    partnership.end_date = end_date
    partnership.save(update_fields=["end_date"])
    audit_record(
        hub=partnership.hub,
        user=by,
        action="partnership.end",
        target=partnership,
        before=before,
        after=_partnership_state(partnership),
    )


@transaction.atomic
def leader_add(*, hub: Hub, by, **fields) -> LeadershipTeamMember:
    """Add someone to the leadership team shown on the hub's public page."""
    leader = LeadershipTeamMember.objects.create(hub=hub, **fields)
    audit_record(
        hub=hub,
        user=by,
        action="leader.add",
        target=leader,
        after=snapshot(leader, LEADER_FIELDS),
    )
    return leader


def _change(*, hub: Hub, obj, fields: dict, names: list[str], action: str, by):
    """Save ``fields`` on the locked row of ``obj``, with before and after."""
    current = type(obj).objects.select_for_update().get(pk=obj.pk)
    before = snapshot(current, names)
    for name, value in fields.items():
        setattr(current, name, value)
    current.save(update_fields=list(fields))
    audit_record(
        hub=hub,
        user=by,
        action=action,
        target=current,
        before=before,
        after=snapshot(current, names),
    )
    return current


@transaction.atomic
def leader_change(*, leader: LeadershipTeamMember, fields: dict, by) -> LeadershipTeamMember:
    """Change the ``fields`` (name: new value) of a leadership team entry."""
    return _change(
        hub=leader.hub,
        obj=leader,
        fields=fields,
        names=LEADER_FIELDS,
        action="leader.change",
        by=by,
    )


@transaction.atomic
def leader_remove(*, leader: LeadershipTeamMember, by) -> None:
    """Take someone off the leadership team."""
    audit_record(
        hub=leader.hub,
        user=by,
        action="leader.remove",
        target=leader,
        before=snapshot(leader, LEADER_FIELDS),
    )
    leader.delete()


@transaction.atomic
def hub_contact_change(*, hub: Hub, fields: dict, by) -> Hub:
    """Change the hub's public contact details (``fields``: name to new value)."""
    return _change(
        hub=hub, obj=hub, fields=fields, names=CONTACT_FIELDS, action="hub.contact", by=by
    )


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


# --- The hub's team ------------------------------------------------------------
# The workspace's team page (hubs/views_manage.py) and the grant_hub_role
# command make every change through these, so the last-lead rule and the audit
# trail hold however the change is made.


class TeamChangeRefused(Exception):
    """A team change that breaks a rule; the message says why, for the person."""


LAST_LEAD = "{name} is the hub's only lead. Make someone else a lead first."


def _membership_state(membership: HubMembership) -> dict:
    return snapshot(membership, ["role"]) | {"person": membership.user.email}


def _check_role(role: str) -> None:
    if role not in HubMembership.Role.values:
        choices = " or ".join(HubMembership.Role.values)
        raise TeamChangeRefused(f"{role!r} is not a team role: choose {choices}.")


def _refuse_last_lead(hub: Hub, membership: HubMembership) -> None:
    """Refuse to take away the hub's only lead. Call inside the transaction.

    The hub row is locked first, so two leads cannot remove (or demote) each
    other at the same moment and leave the hub with none; the membership's
    role is read again under that lock.
    """
    Hub.objects.select_for_update().get(pk=hub.pk)
    membership.refresh_from_db(fields=["role"])
    if membership.role != HubMembership.Role.LEAD:
        return
    if not hub.memberships.filter(role=HubMembership.Role.LEAD).exclude(pk=membership.pk).exists():
        raise TeamChangeRefused(LAST_LEAD.format(name=membership.user.get_full_name()))


@transaction.atomic
def membership_add(*, hub: Hub, user, role: str, by) -> HubMembership:
    """Put ``user`` on the hub's team with ``role``, with its audit entry."""
    _check_role(role)
    if not user.is_active:
        raise TeamChangeRefused(f"The account for {user.email} has been closed.")
    try:
        with transaction.atomic():
            membership = HubMembership.objects.create(hub=hub, user=user, role=role)
    except IntegrityError:
        # Already there, perhaps added a moment ago (membership_once_per_hub).
        raise TeamChangeRefused(f"{user.email} is already on the team.") from None
    audit_record(
        hub=hub,
        user=by,
        action="membership.add",
        target=membership,
        after=_membership_state(membership),
    )
    return membership


@transaction.atomic
def membership_role_change(*, membership: HubMembership, role: str, by) -> bool:
    """Give a team member another role; False when they already had it."""
    _check_role(role)
    hub = membership.hub
    if role != HubMembership.Role.LEAD:
        _refuse_last_lead(hub, membership)
    else:
        membership.refresh_from_db(fields=["role"])
    if membership.role == role:
        return False
    before = _membership_state(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        hub=hub,
        user=by,
        action="membership.role",
        target=membership,
        before=before,
        after=_membership_state(membership),
    )
    return True


@transaction.atomic
def membership_remove(*, membership: HubMembership, by) -> None:
    """Take someone off the hub's team, unless they are its only lead."""
    hub = membership.hub
    _refuse_last_lead(hub, membership)
    audit_record(
        hub=hub,
        user=by,
        action="membership.remove",
        target=membership,
        before=_membership_state(membership),
    )
    membership.delete()
