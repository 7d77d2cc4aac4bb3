"""The hub workspace: dashboard, partners and leadership team, team roles, change history."""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from hubs.models import (
    AuditEntry,
    Hub,
    HubMembership,
    LeadershipTeamMember,
    Organisation,
    Partnership,
    RecordStatus,
    School,
)
from hubs_portal.lib.academic_year import current_academic_year
from tests.factories import (
    make_lead,
    make_register,
    make_school,
    make_session,
    make_teacher,
    make_workgroup,
)
from tests.helpers import folded_search_plans, page_text
from workgroups.models import Enrolment, WorkGroup

THIS_YEAR = current_academic_year()


def url(name: str, hub: Hub, *args) -> str:
    return reverse(f"manage-hubs:{name}", args=[hub.slug, *args])


def words(response) -> str:
    """What a reader sees: the page without its tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def workgroups_section(response) -> dict:
    """What the dashboard's Work Groups section (workgroups/sections.py) shows."""
    (built,) = [b for b in response.context["sections"] if b.name.startswith("workgroups.")]
    return built.data


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def member_client(client, hub_member):
    client.force_login(hub_member)
    return client


@pytest.fixture
def staff_client(client, ncetm_staff):
    client.force_login(ncetm_staff)
    return client


# ---- Dashboard -------------------------------------------------------------------------


def _enrol(workgroup: WorkGroup, teacher: User, status: str) -> Enrolment:
    return Enrolment.objects.create(
        workgroup=workgroup, teacher=teacher, school=teacher.school, status=status
    )


def _small_year(hub: Hub) -> dict[str, WorkGroup]:
    """Four groups this year (one of them full), plus groups that must not count."""
    school_a, school_b, school_c, school_d, school_e = (make_school() for _ in range(5))
    t1, t2 = make_teacher(school=school_a), make_teacher(school=school_a)
    t3 = make_teacher(school=school_b)
    t4, t5 = make_teacher(school=school_c), make_teacher(school=school_c)
    t6 = make_teacher(school=school_d)
    t7, t8 = make_teacher(school=school_e), make_teacher(school=school_e)

    groups = {
        "open": make_workgroup(hub, capacity=10, places_taken=3),
        "full": make_workgroup(hub, capacity=2, places_taken=2),
        "closed": make_workgroup(hub, capacity=5, places_taken=1, status=WorkGroup.Status.CLOSED),
        "draft": make_workgroup(hub, capacity=8, status=WorkGroup.Status.DRAFT),
        "last_year": make_workgroup(hub, capacity=30, places_taken=1, academic_year=THIS_YEAR - 1),
        "elsewhere": make_workgroup(
            Hub.objects.get(slug="north-west-one"), capacity=40, places_taken=1
        ),
    }
    # School A: two teachers, one of them in two groups (one completed).
    _enrol(groups["open"], t1, "confirmed")
    _enrol(groups["open"], t2, "confirmed")
    _enrol(groups["closed"], t1, "completed")
    _enrol(groups["open"], t3, "confirmed")  # school B
    _enrol(groups["full"], t4, "confirmed")  # school C, twice
    _enrol(groups["full"], t5, "confirmed")
    _enrol(groups["open"], t6, "withdrawn")  # school D: withdrew, not engaged
    _enrol(groups["full"], t7, "waiting")  # school E: only waiting, not engaged
    _enrol(groups["full"], t8, "waiting")
    _enrol(groups["last_year"], make_teacher(), "confirmed")
    _enrol(groups["elsewhere"], make_teacher(), "confirmed")
    _enrol(groups["elsewhere"], make_teacher(), "waiting")
    return groups


def test_the_dashboard_counts_this_years_work_by_hand(lead_client, hub):
    groups = _small_year(hub)
    soon = timezone.now() + timedelta(days=1)
    make_session(groups["open"], 2, soon + timedelta(days=14))
    make_session(groups["open"], 1, soon)
    make_session(groups["draft"], 1, soon + timedelta(days=7))
    make_session(groups["full"], 1, timezone.now() - timedelta(days=3))  # past
    make_session(groups["elsewhere"], 1, soon)  # another hub's

    response = lead_client.get(url("dashboard", hub))

    assert response.status_code == 200
    figures = workgroups_section(response)["figures"]
    assert figures == {
        "draft": 1,
        "open": 2,
        "full": 1,
        "closed": 1,
        "places_offered": 10 + 2 + 5,  # open and closed groups; not the draft
        "places_filled": 3 + 2 + 1,
        "waiting": 2,
        "schools": 3,  # A (two teachers, counted once), B, C; not D (withdrew) nor E (waiting)
        "teachers": 5,  # t1 (in two groups, counted once) to t5
    }
    sessions = [(s.workgroup.title, s.order) for s in workgroups_section(response)["sessions"]]
    assert sessions == [
        (groups["open"].title, 1),
        (groups["draft"].title, 1),
        (groups["open"].title, 2),
    ]
    text = page_text(response)
    assert "17</span> places offered" in text
    assert "3</span> schools taking part" in text
    assert groups["open"].title in text


def test_an_empty_year_shows_zeros(lead_client, hub):
    response = lead_client.get(url("dashboard", hub))

    assert workgroups_section(response)["figures"]["places_offered"] == 0
    assert "No sessions are planned yet." in page_text(response)


def test_the_dashboard_runs_a_fixed_number_of_queries(lead_client, hub, django_assert_num_queries):
    groups = _small_year(hub)
    make_session(groups["open"], 1, timezone.now() + timedelta(days=1))

    # 1 session, 2 user, 3 the two-factor check, 4 hub, 5 the user's role on it;
    # 6 the groups' figures, 7 the enrolments' figures, 8 the next sessions
    # with their groups.
    with django_assert_num_queries(8):
        assert lead_client.get(url("dashboard", hub)).status_code == 200

    for _ in range(3):
        _small_year(hub)
    for order in range(2, 15):
        make_session(groups["open"], order, timezone.now() + timedelta(days=order))
    with django_assert_num_queries(8):
        response = lead_client.get(url("dashboard", hub))
    assert len(workgroups_section(response)["sessions"]) == 10


# ---- Partners --------------------------------------------------------------------------


def _add_data(**fields) -> dict:
    data = {
        "school_q": "",
        "role": Partnership.Role.STRATEGIC,
        "school": "",
        "organisation": "",
        "new_organisation_name": "",
        "new_organisation_kind": Organisation.Kind.OTHER,
        "start_date": "2026-09-01",
        "status": RecordStatus.CONFIRMED,
    }
    return data | fields


def test_partners_lists_current_and_past_partnerships_by_role(member_client, hub):
    today = timezone.localdate()
    make_lead(hub, make_school(name="Dene Academy"), start_date=today - timedelta(days=400))
    Partnership.objects.create(
        hub=hub,
        role=Partnership.Role.OPERATIONAL,
        school=make_school(name="Old Partner School"),
        start_date=today - timedelta(days=800),
        end_date=today - timedelta(days=30),
    )

    response = member_client.get(url("partners", hub))

    assert response.status_code == 200
    text = page_text(response)
    assert "Carmel College, Darlington" in text  # recorded by name in the reference data
    assert "Dene Academy" in text
    operational = response.context["roles"][2]["partnerships"]
    assert [(p.partner_name, p.phase) for p in operational] == [("Old Partner School", "ended")]
    assert "Ended" in text
    assert "Darlington" in text  # the area, read-only
    # A team member reads; only leads are offered the changes.
    assert url("partner-add", hub) not in text
    assert url("leader-add", hub) not in text


def test_a_lead_finds_a_school_without_javascript_and_adds_it(lead_client, hub):
    school = make_school(name="Hummersknott Academy")

    response = lead_client.get(url("partner-add", hub), {"school_q": "hummersknott"})
    assert f'value="{school.pk}"' in response.content.decode()

    response = lead_client.post(
        url("partner-add", hub),
        _add_data(school_q="hummersknott", school=school.pk, role=Partnership.Role.OPERATIONAL),
    )

    assert response.status_code == 302
    assert response.url == url("partners", hub)
    partnership = hub.partnerships.get(school=school)
    assert partnership.role == Partnership.Role.OPERATIONAL
    entry = AuditEntry.objects.get(hub=hub, action="partnership.add")
    assert entry.object_id == str(partnership.pk)
    assert entry.before is None
    assert entry.after["partner"] == "Hummersknott Academy"
    assert entry.after["role"] == "operational"
    assert entry.after["start_date"] == "2026-09-01"
    assert entry.user.email == "lead@archimedes.example.org"
    history = words(lead_client.get(url("audit", hub)))
    assert "Added a partner: Hummersknott Academy (Operational partner" in history
    assert "Role: Operational partner" in history
    assert "Partner: Hummersknott Academy" in history
    assert f"School: {school.pk}" not in history  # ids mean nothing to a reader


def test_a_lead_adds_a_new_organisation_as_a_partner(lead_client, hub):
    response = lead_client.post(
        url("partner-add", hub),
        _add_data(
            new_organisation_name="  Durham   University ", new_organisation_kind="university"
        ),
        follow=True,
    )

    assert (
        "Durham University is now recorded as one of the hub's strategic partners."
        in messages_of(response)
    )
    organisation = Organisation.objects.get(name="Durham University")
    assert organisation.kind == "university"
    assert hub.partnerships.filter(organisation=organisation, role="strategic").exists()
    assert set(AuditEntry.objects.filter(hub=hub).values_list("action", flat=True)) == {
        "organisation.add",
        "partnership.add",
    }


def test_an_existing_organisation_can_be_chosen(lead_client, hub):
    university = Organisation.objects.create(name="Teesside University", kind="university")

    lead_client.post(url("partner-add", hub), _add_data(organisation=university.pk))

    assert hub.partnerships.filter(organisation=university).exists()
    # Nothing new: the university, besides the national projects' partners
    # (the AMSP) that the reference data holds.
    assert not Organisation.objects.filter(national_projects__isnull=True).exclude(pk=university.pk)


def test_a_partner_must_be_named_once(lead_client, hub):
    response = lead_client.post(url("partner-add", hub), _add_data())
    assert "Choose a school from the search results, choose an organisation" in page_text(response)

    school = make_school()
    response = lead_client.post(
        url("partner-add", hub), _add_data(school=school.pk, new_organisation_name="Extra Ltd")
    )
    assert "Choose only one partner" in page_text(response)
    assert not Organisation.objects.filter(name="Extra Ltd").exists()
    assert not AuditEntry.objects.exists()


def test_a_third_current_lead_school_is_refused_and_nothing_is_stored(lead_client, hub):
    # The reference data gives Archimedes NE one lead (Carmel College); add a second.
    second = make_school(name="Second Lead School")
    response = lead_client.post(url("partner-add", hub), _add_data(role="lead", school=second.pk))
    assert response.status_code == 302
    third = make_school(name="Third Lead School")
    partnerships_before = Partnership.objects.count()
    entries_before = AuditEntry.objects.count()

    response = lead_client.post(
        url("partner-add", hub), _add_data(role="lead", school=third.pk, school_q="Third")
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "already has two current lead schools" in text
    assert "Carmel College, Darlington and Second Lead School" in text
    assert "Give one of them an end date before adding another." in text
    # The message is tied to the role field, and the chosen school is still chosen.
    assert 'id="id_role_error"' in text
    assert 'aria-describedby="id_role_error"' in text
    assert f'value="{third.pk}" checked' in text
    assert Partnership.objects.count() == partnerships_before
    assert AuditEntry.objects.count() == entries_before


def test_a_lead_school_must_be_a_school(lead_client, hub):
    response = lead_client.post(
        url("partner-add", hub), _add_data(role="lead", new_organisation_name="A Trust")
    )
    assert "A lead school must be a school" in page_text(response)
    assert not Organisation.objects.filter(name="A Trust").exists()


def test_a_lead_ends_a_partnership_with_before_and_after(lead_client, hub):
    partnership = Partnership.objects.create(
        hub=hub,
        role=Partnership.Role.STRATEGIC,
        school=make_school(name="Leaving School"),
        start_date=timezone.localdate() - timedelta(days=100),
    )
    assert lead_client.get(url("partner-end", hub, partnership.pk)).status_code == 200
    end = timezone.localdate() - timedelta(days=1)

    response = lead_client.post(
        url("partner-end", hub, partnership.pk), {"end_date": end}, follow=True
    )

    assert response.redirect_chain == [(url("partners", hub), 302)]
    assert f"The partnership with Leaving School ends on {end:%-d %B %Y}." in messages_of(response)
    partnership.refresh_from_db()
    assert partnership.end_date == end
    entry = AuditEntry.objects.get(action="partnership.end")
    assert entry.before["end_date"] is None
    assert entry.after["end_date"] == end.isoformat()
    assert entry.before["partner"] == "Leaving School"
    # The public page no longer shows it; the workspace shows it as ended.
    assert "Leaving School" not in page_text(lead_client.get(hub.get_absolute_url()))
    history = words(lead_client.get(url("audit", hub)))
    assert f"End date: changed from (empty) to {end:%-d %B %Y}" in history


def test_an_end_date_before_the_start_is_refused(lead_client, hub):
    start = timezone.localdate() - timedelta(days=10)
    partnership = Partnership.objects.create(
        hub=hub, role="strategic", recorded_name="Somewhere", start_date=start
    )

    response = lead_client.post(
        url("partner-end", hub, partnership.pk), {"end_date": start - timedelta(days=1)}
    )

    assert response.status_code == 200
    assert "cannot be before the start date" in page_text(response)
    partnership.refresh_from_db()
    assert partnership.end_date is None
    assert not AuditEntry.objects.exists()


def test_a_partnership_of_another_hub_cannot_be_ended(lead_client, hub):
    other = Partnership.objects.get(hub__slug="north-west-one", role="lead")

    response = lead_client.post(
        url("partner-end", hub, other.pk), {"end_date": timezone.localdate()}
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.end_date is None


def test_team_members_cannot_change_partners(member_client, hub):
    school = make_school()
    partnership = hub.partnerships.get(role="lead")

    assert member_client.get(url("partner-add", hub)).status_code == 403
    assert (
        member_client.post(url("partner-add", hub), _add_data(school=school.pk)).status_code == 403
    )
    assert member_client.get(url("partner-end", hub, partnership.pk)).status_code == 403
    response = member_client.post(
        url("partner-end", hub, partnership.pk), {"end_date": "2026-01-01"}
    )
    assert response.status_code == 403
    assert (
        member_client.post(url("contact-edit", hub), {"contact_email": "x@example.org"}).status_code
        == 403
    )
    assert not hub.partnerships.filter(school=school).exists()
    assert not AuditEntry.objects.exists()


def test_the_partners_page_runs_a_fixed_number_of_queries(
    lead_client, hub, django_assert_num_queries
):
    make_lead(hub, make_school())
    LeadershipTeamMember.objects.create(hub=hub, name="A Person", role="senior_lead")

    # 1 session, 2 user, 3 the two-factor check, 4 hub, 5 the user's role
    # (access, also what to offer), 6 partnerships with schools, authorities
    # and organisations, 7 the leadership team, 8 the local authorities with
    # their regions.
    with django_assert_num_queries(8):
        assert lead_client.get(url("partners", hub)).status_code == 200

    for _ in range(5):
        Partnership.objects.create(hub=hub, role="strategic", school=make_school(la_code="840"))
        Partnership.objects.create(
            hub=hub,
            role="operational",
            organisation=Organisation.objects.create(name=f"Org {Organisation.objects.count()}"),
        )
        LeadershipTeamMember.objects.create(hub=hub, name="Another", role="maths_lead")
    with django_assert_num_queries(8):
        assert lead_client.get(url("partners", hub)).status_code == 200


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("St Theres", "St Thérèse\u2019s Catholic Primary School", id="plain"),
        pytest.param("BRONTË", "Bronte Academy", id="accented"),
        pytest.param("st. mary's", "St Marys C of E Primary", id="punctuation"),
    ],
)
def test_the_partner_search_ignores_accents_and_punctuation(lead_client, hub, typed, expected):
    for name in [
        "St Thérèse\u2019s Catholic Primary School",
        "Bronte Academy",
        "St Marys C of E Primary",
    ]:
        make_school(name=name)
    response = lead_client.get(url("partner-add", hub), {"school_q": typed})
    assert [school.name for school in response.context["schools"]] == [expected]


def test_the_partner_search_lists_only_schools_that_can_be_chosen(lead_client, hub):
    # A URN finds a school even once it has closed; a closed school cannot
    # be a partner, so the picker does not offer it.
    closed = make_school(name="Closed Academy", urn=990001, status=School.Status.CLOSED)
    proposed = make_school(name="Proposed Academy", urn=990002, status=School.Status.PROPOSED)

    response = lead_client.get(url("partner-add", hub), {"school_q": str(closed.urn)})
    assert response.context["schools"] == []
    assert f"No schools found for “{closed.urn}”" in words(response)

    response = lead_client.get(url("partner-add", hub), {"school_q": str(proposed.urn)})
    assert response.context["schools"] == [proposed]
    assert "Proposed Academy URN 990002" in words(response)
    assert "(proposed to open)" in words(response)


def test_the_partner_search_uses_the_folded_name_index(lead_client, hub):
    make_register()
    school = make_school(name="St Thérèse\u2019s Catholic Primary School")

    with CaptureQueriesContext(connection) as queries:
        response = lead_client.get(url("partner-add", hub), {"school_q": "st therese"})

    assert response.context["schools"] == [school]
    (plan,) = folded_search_plans(queries)
    assert "school_name_fold_trgm_idx" in plan, plan


def test_the_partner_search_runs_a_fixed_number_of_queries(
    lead_client, hub, django_assert_num_queries
):
    for number in range(25):
        make_school(name=f"Darlington Academy {number}")
    chosen = make_school(name="Somewhere Else")

    # 1 session, 2 user, 3 the two-factor check, 4 hub, 5 the user's role
    # (access, lead only), 6 schools found (one past the limit) with their
    # authority, 7 the organisations to choose from.
    with django_assert_num_queries(7):
        response = lead_client.get(url("partner-add", hub), {"school_q": "darlington"})
    assert len(response.context["schools"]) == 20
    assert "Showing the first 20 schools" in words(response)

    # Sent back with a problem, the school chosen before the search changed stays
    # chosen: 1 session, 2 user, 3 the two-factor check, 4 hub, 5 role, 6 the
    # chosen school (validation), 7 schools found, 8 the chosen school with its
    # authority, 9 organisations.
    with django_assert_num_queries(9):
        response = lead_client.post(
            url("partner-add", hub), _add_data(school_q="darlington", school=chosen.pk, role="")
        )
    assert response.status_code == 200
    assert response.context["schools"][0] == chosen
    assert len(response.context["schools"]) == 21


# ---- Leadership team and contact details -----------------------------------------------


def test_leadership_team_changes_show_on_the_public_page(lead_client, client, hub):
    response = lead_client.post(
        url("leader-add", hub),
        {
            "name": "Priya Patel",
            "role": "senior_lead",
            "email": "priya@example.org",
            "display_order": 1,
        },
        follow=True,
    )
    assert "Priya Patel is now on the leadership team." in messages_of(response)
    leader = LeadershipTeamMember.objects.get(hub=hub, name="Priya Patel")
    public = page_text(lead_client.get(hub.get_absolute_url()))
    assert "Priya Patel" in public
    assert "Senior Lead" in public

    lead_client.post(
        url("leader-edit", hub, leader.pk),
        {"name": "Priya Patel", "role": "project_manager", "email": "", "display_order": 1},
        follow=True,
    )
    public = page_text(lead_client.get(hub.get_absolute_url()))
    assert "Project Manager" in public
    assert "priya@example.org" not in public

    lead_client.post(url("leader-remove", hub, leader.pk), follow=True)
    assert "Priya Patel" not in page_text(lead_client.get(hub.get_absolute_url()))

    entries = list(AuditEntry.objects.filter(hub=hub).order_by("at", "pk"))
    assert [e.action for e in entries] == ["leader.add", "leader.change", "leader.remove"]
    change = entries[1]
    assert change.before["role"] == "senior_lead"
    assert change.after["role"] == "project_manager"
    assert entries[2].before["name"] == "Priya Patel"
    assert entries[2].after is None
    # The history shows the change in words.
    history = words(lead_client.get(url("audit", hub)))
    assert "Role: changed from Senior Lead to Project Manager" in history
    assert "Contact e-mail: changed from priya@example.org to (empty)" in history


def test_a_leadership_entry_needs_a_name_and_a_role(lead_client, hub):
    response = lead_client.post(
        url("leader-add", hub), {"name": "", "role": "", "display_order": 0}
    )

    text = page_text(response)
    assert "Enter the person&#x27;s name." in text
    assert 'aria-describedby="id_name_error"' in text
    assert not LeadershipTeamMember.objects.exists()


def test_another_hubs_leadership_entry_is_out_of_reach(lead_client, hub):
    other = LeadershipTeamMember.objects.create(
        hub=Hub.objects.get(slug="north-west-one"), name="Not Yours", role="hub_lead"
    )

    assert lead_client.get(url("leader-edit", hub, other.pk)).status_code == 404
    assert lead_client.post(url("leader-remove", hub, other.pk)).status_code == 404
    assert LeadershipTeamMember.objects.filter(pk=other.pk).exists()


def test_a_lead_changes_the_contact_details(lead_client, hub):
    response = lead_client.post(
        url("contact-edit", hub),
        {
            "contact_email": "hello@archimedes.example.org",
            "website": "https://archimedes.example.org",
        },
    )

    assert response.status_code == 302
    hub.refresh_from_db()
    assert hub.contact_email == "hello@archimedes.example.org"
    entry = AuditEntry.objects.get(action="hub.contact")
    assert entry.before["contact_email"] == ""
    assert entry.after["contact_email"] == "hello@archimedes.example.org"
    assert entry.after["website"] == "https://archimedes.example.org"
    assert "hello@archimedes.example.org" in page_text(lead_client.get(hub.get_absolute_url()))


def test_a_bad_website_is_explained_beside_the_field(lead_client, hub):
    response = lead_client.post(
        url("contact-edit", hub), {"contact_email": "", "website": "not a website"}
    )

    text = page_text(response)
    assert "Enter a full web address" in text
    assert 'id="id_website_error"' in text
    assert not AuditEntry.objects.exists()


# ---- Team ------------------------------------------------------------------------------


def test_the_team_is_listed_with_roles(member_client, hub, hub_lead, hub_member):
    response = member_client.get(url("team", hub))

    text = page_text(response)
    assert "Lena Lead Hub lead" in text.replace(
        "</th> <td>lead@archimedes.example.org</td> <td>", " "
    )
    assert "Mo Member" in text
    assert "Team member" in text
    assert url("team-add", hub) not in text  # members read only


def test_a_lead_adds_a_member_by_email(lead_client, hub):
    newcomer = make_teacher("newcomer@example.org")

    response = lead_client.post(
        url("team-add", hub), {"email": "NewComer@example.org", "role": "member"}, follow=True
    )

    membership = HubMembership.objects.get(hub=hub, user=newcomer)
    assert membership.role == "member"
    assert f"{newcomer.full_name} is now on the team as team member." in messages_of(response)
    entry = AuditEntry.objects.get(action="membership.add")
    assert entry.after == {"role": "member", "person": "newcomer@example.org"}


def test_adding_someone_without_an_account_asks_them_to_sign_up(lead_client, hub):
    response = lead_client.post(
        url("team-add", hub), {"email": "nobody@example.org", "role": "member"}
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Ask them to sign up first" in text
    assert 'id="id_email_error"' in text
    assert HubMembership.objects.filter(hub=hub).count() == 1
    assert not AuditEntry.objects.exists()


def test_someone_already_on_the_team_is_not_added_twice(lead_client, hub, hub_member):
    response = lead_client.post(url("team-add", hub), {"email": hub_member.email, "role": "lead"})

    assert "is already on the team" in page_text(response)
    assert HubMembership.objects.get(hub=hub, user=hub_member).role == "member"


def test_a_lead_changes_a_role_and_removes_a_member(lead_client, hub, hub_member):
    membership = HubMembership.objects.get(hub=hub, user=hub_member)

    lead_client.post(url("team-role", hub, membership.pk), {"role": "lead"})
    membership.refresh_from_db()
    assert membership.role == "lead"

    lead_client.post(url("team-remove", hub, membership.pk))
    assert not HubMembership.objects.filter(pk=membership.pk).exists()

    entries = list(AuditEntry.objects.filter(hub=hub).order_by("at", "pk"))
    assert [e.action for e in entries] == ["membership.role", "membership.remove"]
    assert entries[0].before["role"] == "member"
    assert entries[0].after["role"] == "lead"
    assert entries[1].before == {"role": "lead", "person": hub_member.email}


def test_a_team_member_cannot_change_the_team(member_client, hub, hub_lead, hub_member):
    lead = HubMembership.objects.get(hub=hub, user=hub_lead)
    newcomer = make_teacher()

    assert (
        member_client.post(
            url("team-add", hub), {"email": newcomer.email, "role": "member"}
        ).status_code
        == 403
    )
    assert member_client.post(url("team-role", hub, lead.pk), {"role": "member"}).status_code == 403
    assert member_client.post(url("team-remove", hub, lead.pk)).status_code == 403
    assert HubMembership.objects.filter(hub=hub).count() == 2
    assert not AuditEntry.objects.exists()


def test_the_last_lead_cannot_be_removed_or_demoted(lead_client, hub, hub_lead, hub_member):
    lead = HubMembership.objects.get(hub=hub, user=hub_lead)

    response = lead_client.post(url("team-remove", hub, lead.pk), follow=True)
    assert "Lena Lead is the hub's only lead. Make someone else a lead first." in messages_of(
        response
    )
    response = lead_client.post(url("team-role", hub, lead.pk), {"role": "member"}, follow=True)
    assert "Lena Lead is the hub's only lead" in messages_of(response)[0]

    lead.refresh_from_db()
    assert lead.role == "lead"
    assert not AuditEntry.objects.exists()


def test_with_two_leads_one_may_step_down(lead_client, hub, hub_lead, hub_member):
    other = HubMembership.objects.get(hub=hub, user=hub_member)
    other.role = "lead"
    other.save()
    mine = HubMembership.objects.get(hub=hub, user=hub_lead)

    response = lead_client.post(url("team-role", hub, mine.pk), {"role": "member"})

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.role == "member"


def test_ncetm_staff_add_and_remove_team_members(staff_client, hub, hub_lead):
    newcomer = make_teacher()

    response = staff_client.post(url("team-add", hub), {"email": newcomer.email, "role": "lead"})
    assert response.status_code == 302
    membership = HubMembership.objects.get(hub=hub, user=newcomer)
    assert membership.role == "lead"
    assert staff_client.post(url("team-remove", hub, membership.pk)).status_code == 302
    assert not HubMembership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(user__is_ncetm_staff=True).count() == 2
    # Staff read the hub's records but do not change them.
    assert staff_client.get(url("partners", hub)).status_code == 200
    assert url("partner-add", hub) not in page_text(staff_client.get(url("partners", hub)))


def test_the_team_page_runs_a_fixed_number_of_queries(
    lead_client, hub, hub_member, django_assert_num_queries
):
    # 1 session, 2 user, 3 the two-factor check, 4 hub, 5 the user's role
    # (access, also what to offer), 6 the memberships with their users.
    with django_assert_num_queries(6):
        assert lead_client.get(url("team", hub)).status_code == 200
    for _ in range(5):
        HubMembership.objects.create(hub=hub, user=make_teacher())
    with django_assert_num_queries(6):
        assert lead_client.get(url("team", hub)).status_code == 200


# ---- Change history --------------------------------------------------------------------


def test_the_history_is_newest_first_in_pages_of_fifty(
    lead_client, hub, hub_lead, django_assert_num_queries
):
    leader = LeadershipTeamMember.objects.create(hub=hub, name="Someone", role="maths_lead")
    start = timezone.now() - timedelta(days=60)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            hub=hub,
            user=hub_lead,
            action="leader.change",
            content_type=ContentType.objects.get_for_model(LeadershipTeamMember),
            object_id=str(leader.pk),
            object_repr=f"Change {number}",
            before={"display_order": number},
            after={"display_order": number + 1},
            at=start + timedelta(hours=number),
        )
        for number in range(51)
    )
    AuditEntry.objects.create(
        hub=Hub.objects.get(slug="north-west-one"),
        action="x",
        content_type=ContentType.objects.get_for_model(Hub),
        object_repr="Elsewhere",
    )

    # 1 session, 2 user, 3 the two-factor check, 4 hub, 5 the user's role,
    # 6 count, 7 the page of entries with users.
    with django_assert_num_queries(7):
        response = lead_client.get(url("audit", hub))

    entries = response.context["entries"]
    assert len(entries) == 50
    assert entries[0].object_repr == "Change 50"
    text = words(response)
    assert "Changed a leadership team entry: Change 50" in text
    assert "Display order: changed from 50 to 51" in text
    assert "Lena Lead" in text
    assert "Elsewhere" not in text
    second = lead_client.get(url("audit", hub), {"page": 2})
    assert [e.object_repr for e in second.context["entries"]] == ["Change 0"]


# ---- Outsiders -------------------------------------------------------------------------


@pytest.fixture
def every_url(hub, hub_lead):
    partnership = hub.partnerships.get(role="lead")
    leader = LeadershipTeamMember.objects.create(hub=hub, name="Someone", role="maths_lead")
    membership = HubMembership.objects.get(hub=hub, user=hub_lead)
    return [
        url("dashboard", hub),
        url("partners", hub),
        url("partner-add", hub),
        url("partner-end", hub, partnership.pk),
        url("contact-edit", hub),
        url("leader-add", hub),
        url("leader-edit", hub, leader.pk),
        url("leader-remove", hub, leader.pk),
        url("team", hub),
        url("team-add", hub),
        url("team-role", hub, membership.pk),
        url("team-remove", hub, membership.pk),
        url("audit", hub),
    ]


def test_another_hubs_lead_gets_404_everywhere(client, hub, other_hub_lead, every_url):
    client.force_login(other_hub_lead)
    for address in every_url:
        assert client.get(address).status_code == 404, address
        assert (
            client.post(address, {"role": "member", "end_date": "2026-01-01"}).status_code == 404
        ), address
    assert not AuditEntry.objects.exists()
    assert HubMembership.objects.filter(hub=hub).count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, every_url):
    for address in every_url:
        response = client.get(address)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_the_header_offers_the_workspace_to_hub_teams_only(client, hub_lead, reference_data):
    from accounts.models import User

    client.force_login(hub_lead)
    assert 'href="/manage/"' in client.get("/").content.decode()
    client.force_login(User.objects.create_user("teacher@example.org"))
    assert 'href="/manage/"' not in client.get("/").content.decode()
