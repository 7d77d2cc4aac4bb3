"""The workspace access object (hubs.access.HubAccess) and the hub's own services.

hub_team_required works out once who the person is to the hub; these tests
pin what each kind of person may do, reading and writing, and that the
services refuse what breaks the hub's rules whoever calls them.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from hubs import services
from hubs.access import hub_access
from hubs.models import AuditEntry, HubMembership, LeadershipTeamMember, Organisation
from tests.factories import make_teacher


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.org", "a-long-password-1")


def _check(access, **flags):
    """ "ok", "403" or "404" for one request shape."""
    try:
        access.check(**flags)
    except PermissionDenied:
        return "403"
    except Http404:
        return "404"
    return "ok"


# The decorator's three kinds of view, read and written.
SHAPES = {
    "read": {"write": False},
    "team write": {"write": True},
    "lead write": {"write": True, "lead": True},
    "national write": {"write": True, "lead": True, "national": True},
}


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (
            "hub_lead",
            {"read": "ok", "team write": "ok", "lead write": "ok", "national write": "ok"},
        ),
        (
            "hub_member",
            {"read": "ok", "team write": "ok", "lead write": "403", "national write": "403"},
        ),
        (
            "ncetm_staff",
            {"read": "ok", "team write": "404", "lead write": "404", "national write": "ok"},
        ),
        (
            "superuser",
            {"read": "ok", "team write": "ok", "lead write": "ok", "national write": "ok"},
        ),
    ],
)
def test_who_may_read_and_write(request, hub, person, expected):
    access = hub_access(request.getfixturevalue(person), hub.slug)

    assert access.hub == hub
    assert {shape: _check(access, **flags) for shape, flags in SHAPES.items()} == expected


@pytest.mark.parametrize(
    ("person", "is_lead", "is_member", "national", "may_change", "lead_or_national"),
    [
        ("hub_lead", True, True, False, True, True),
        ("hub_member", False, True, False, True, False),
        ("ncetm_staff", False, False, True, False, True),
        ("superuser", True, False, False, True, True),
    ],
)
def test_what_the_pages_offer(
    request, hub, person, is_lead, is_member, national, may_change, lead_or_national
):
    access = hub_access(request.getfixturevalue(person), hub.slug)

    assert (
        access.is_lead,
        access.is_member,
        access.national,
        access.may_change,
        access.lead_or_national,
    ) == (is_lead, is_member, national, may_change, lead_or_national)


def test_ncetm_staff_on_a_team_act_as_their_role(hub, ncetm_staff):
    HubMembership.objects.create(hub=hub, user=ncetm_staff, role=HubMembership.Role.MEMBER)
    access = hub_access(ncetm_staff, hub.slug)

    assert (access.national, access.may_change, access.is_lead) == (False, True, False)
    assert _check(access, write=True, lead=True, national=True) == "403"


def test_outsiders_and_missing_hubs_are_not_found(hub, other_hub_lead, hub_lead):
    with pytest.raises(Http404):
        hub_access(other_hub_lead, hub.slug)
    with pytest.raises(Http404):
        hub_access(make_teacher(), hub.slug)
    with pytest.raises(Http404):
        hub_access(hub_lead, "no-such-hub")
    hub_lead.is_active = False
    with pytest.raises(Http404):
        hub_access(hub_lead, hub.slug)


def test_a_member_is_refused_a_leads_form_page(hub, hub_member):
    access = hub_access(hub_member, hub.slug)

    with pytest.raises(PermissionDenied, match="record spending"):
        access.require_lead("Only the hub's leads record spending.")


def test_the_access_object_costs_two_queries(hub, hub_lead, django_assert_num_queries):
    # The hub; the person's role on it. Nothing after that asks again.
    with django_assert_num_queries(2):
        access = hub_access(hub_lead, hub.slug)
        assert access.is_lead
        assert access.may_change
        assert access.lead_or_national


# --- The services --------------------------------------------------------------


def test_the_last_lead_is_refused_by_the_services_themselves(hub, hub_lead, hub_member):
    lead = HubMembership.objects.get(hub=hub, user=hub_lead)

    with pytest.raises(services.TeamChangeRefused, match="only lead"):
        services.membership_remove(membership=lead, by=hub_lead)
    with pytest.raises(services.TeamChangeRefused, match="only lead"):
        services.membership_role_change(membership=lead, role="member", by=hub_lead)
    assert HubMembership.objects.get(pk=lead.pk).role == "lead"
    assert not AuditEntry.objects.exists()


def test_a_new_organisation_partner_is_added_with_both_audit_entries(hub, hub_lead):
    partnership = services.partnership_add(
        hub=hub,
        by=hub_lead,
        role="operational",
        school=None,
        organisation=None,
        new_organisation_name="Teesside University",
        new_organisation_kind="university",
        start_date=None,
        status="confirmed",
    )

    assert partnership.organisation == Organisation.objects.get(name="Teesside University")
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "user")) == [
        ("organisation.add", hub_lead.pk),
        ("partnership.add", hub_lead.pk),
    ]


def test_leadership_and_contact_changes_keep_before_and_after(hub, hub_lead):
    leader = services.leader_add(
        hub=hub, by=hub_lead, name="Alex Example", role="senior_lead", email="", display_order=0
    )
    services.leader_change(leader=leader, fields={"name": "Alex Sample"}, by=hub_lead)
    services.hub_contact_change(hub=hub, fields={"website": "https://example.org/"}, by=hub_lead)
    services.leader_remove(leader=LeadershipTeamMember.objects.get(pk=leader.pk), by=hub_lead)

    entries = list(AuditEntry.objects.order_by("pk"))
    assert [e.action for e in entries] == [
        "leader.add",
        "leader.change",
        "hub.contact",
        "leader.remove",
    ]
    assert (entries[1].before["name"], entries[1].after["name"]) == ("Alex Example", "Alex Sample")
    assert entries[2].after["website"] == "https://example.org/"
    assert not LeadershipTeamMember.objects.exists()
    hub.refresh_from_db()
    assert hub.website == "https://example.org/"
