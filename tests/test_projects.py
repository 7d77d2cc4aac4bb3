"""National projects: the seeded list, a hub's part in them, the public pages and the workspace."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hubs.models import AuditEntry, Hub, Organisation
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from projects.forms import ParticipationForm
from projects.models import NationalProject, ProjectParticipation, ProjectSchool
from projects.seed import NATIONAL_PROJECTS
from tests.factories import make_register, make_school, make_teacher, make_workgroup
from tests.helpers import folded_search_plans, page_text

THIS_YEAR = current_academic_year()


def url(name: str, hub: Hub, *args) -> str:
    return reverse(f"manage-projects:{name}", args=[hub.slug, *args])


def words(response) -> str:
    """What a reader sees: the page without its tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def mastery(reference_data) -> NationalProject:
    return NationalProject.objects.get(slug="teaching-for-mastery")


@pytest.fixture
def exchange(reference_data) -> NationalProject:
    return NationalProject.objects.get(slug="england-china-exchange")


@pytest.fixture
def other_hub(reference_data) -> Hub:
    return Hub.objects.get(slug="north-west-one")


@pytest.fixture
def participation(hub, mastery) -> ProjectParticipation:
    return ProjectParticipation.objects.create(
        hub=hub, project=mastery, academic_year=THIS_YEAR, local_lead="Pat Primary"
    )


@pytest.fixture
def member_client(client, hub_member):
    client.force_login(hub_member)
    return client


@pytest.fixture
def staff_client(client, ncetm_staff):
    client.force_login(ncetm_staff)
    return client


# ---- The seeded national projects ---------------------------------------------------------


def test_reference_data_seeds_every_national_project(reference_data):
    assert NationalProject.objects.count() == len(NATIONAL_PROJECTS) == 7
    post16 = NationalProject.objects.get(slug="post-16-core-maths")
    assert [o.name for o in post16.partners.all()] == [
        "Advanced Mathematics Support Programme (AMSP)"
    ]
    assert [p.code for p in post16.phases.all()] == ["post16"]
    exchange = NationalProject.objects.get(slug="england-china-exchange")
    assert (exchange.first_year, exchange.last_year) == (2014, 2018)
    assert exchange.years_label == "2014-15 to 2018-19"
    assert NationalProject.objects.get(slug="mathematical-reasoning-ks3").sponsor == "eef"


def test_loading_again_keeps_staff_corrections_and_adds_nothing(reference_data):
    project = NationalProject.objects.get(slug="textbooks-for-mastery")
    project.first_year = 2015
    project.save()

    call_command("load_reference_data", stdout=io.StringIO())

    assert NationalProject.objects.count() == 7
    assert Organisation.objects.filter(name__startswith="Advanced Mathematics").count() == 1
    project.refresh_from_db()
    assert project.first_year == 2015


# ---- Model rules -------------------------------------------------------------------------


def test_a_hub_takes_part_in_a_project_once_a_year(participation):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectParticipation.objects.create(
            hub=participation.hub, project=participation.project, academic_year=THIS_YEAR
        )
    # Another year is another record.
    ProjectParticipation.objects.create(
        hub=participation.hub, project=participation.project, academic_year=THIS_YEAR - 1
    )


def test_nothing_is_recorded_before_the_network_began(hub, mastery):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectParticipation.objects.create(hub=hub, project=mastery, academic_year=2013)


def test_a_project_cannot_end_before_it_starts(reference_data):
    with pytest.raises(IntegrityError), transaction.atomic():
        NationalProject.objects.create(
            name="Backwards", slug="backwards", summary="x", first_year=2018, last_year=2016
        )


def test_a_school_has_one_part_in_a_participation(participation):
    school = make_school()
    ProjectSchool.objects.create(participation=participation, school=school, part="pilot")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectSchool.objects.create(participation=participation, school=school, part="other")


def test_a_hub_cannot_join_a_project_outside_its_years(hub, exchange):
    participation = ProjectParticipation(hub=hub, project=exchange, academic_year=2020)
    with pytest.raises(ValidationError) as refused:
        participation.full_clean()
    assert refused.value.message_dict["academic_year"] == [
        "England-China (Shanghai) teacher exchange ran in 2014-15 to 2018-19, "
        "so a hub cannot take part in it in 2020-21."
    ]
    ProjectParticipation(hub=hub, project=exchange, academic_year=2016).full_clean()


def test_the_form_refuses_a_second_record_for_the_same_year(participation):
    form = ParticipationForm(
        {"project": participation.project.pk, "academic_year": THIS_YEAR},
        hub=participation.hub,
    )
    assert not form.is_valid()
    assert form.errors["project"] == [
        f"The hub's part in Teaching for Mastery and the Mastery Specialists programme in "
        f"{academic_year_label(THIS_YEAR)} is already recorded: change that record instead."
    ]


# ---- Public pages -------------------------------------------------------------------------


def test_the_project_list_shows_every_project(client, participation, other_hub):
    ProjectParticipation.objects.create(
        hub=other_hub, project=participation.project, academic_year=THIS_YEAR - 1
    )
    response = client.get(reverse("projects:list"))
    text = page_text(response)
    assert response.status_code == 200
    for entry in NATIONAL_PROJECTS:
        assert entry["name"] in text
    assert "2 hubs so far" in text
    assert "Advanced Mathematics Support Programme (AMSP)" in text
    assert "Education Endowment Foundation (EEF)" in text


def test_the_project_list_runs_a_fixed_number_of_queries(
    client, reference_data, django_assert_num_queries
):
    for hub in Hub.objects.all()[:6]:
        for project in NationalProject.objects.all():
            ProjectParticipation.objects.create(hub=hub, project=project, academic_year=THIS_YEAR)
    # 1 projects with their hub counts, 2 their phases, 3 their partners.
    with django_assert_num_queries(3):
        assert client.get(reverse("projects:list")).status_code == 200


def test_a_project_page_groups_hubs_by_year_with_schools_and_published_work_groups(
    client, hub, participation, other_hub
):
    ProjectSchool.objects.create(
        participation=participation, school=make_school(name="Pilot Primary"), part="pilot"
    )
    published = make_workgroup(hub, title="Mastery Readiness")
    draft = make_workgroup(hub, title="Secret Draft", status="draft")
    participation.workgroups.add(published, draft)
    ProjectParticipation.objects.create(
        hub=other_hub, project=participation.project, academic_year=THIS_YEAR - 2
    )

    response = client.get(participation.project.get_absolute_url())
    text = words(response)

    assert response.status_code == 200
    years = response.context["years"]
    assert [(y["label"], [p.hub.name for p in y["participations"]]) for y in years] == [
        (academic_year_label(THIS_YEAR), [hub.name]),
        (academic_year_label(THIS_YEAR - 2), [other_hub.name]),
    ]
    assert "Pilot Primary (pilot school)" in text
    assert "Mastery Readiness" in text
    assert "Secret Draft" not in text
    # Local leads, targets and outcomes stay in the workspace.
    assert "Pat Primary" not in text


def test_a_project_page_runs_a_fixed_number_of_queries(
    client, participation, django_assert_num_queries
):
    for hub in Hub.objects.exclude(pk=participation.hub_id)[:5]:
        other = ProjectParticipation.objects.create(
            hub=hub, project=participation.project, academic_year=THIS_YEAR - 1
        )
        ProjectSchool.objects.create(participation=other, school=make_school(), part="pilot")
        ProjectSchool.objects.create(participation=other, school=make_school(), part="lead")
        other.workgroups.add(make_workgroup(hub, academic_year=THIS_YEAR - 1))
    # 1 the project, 2 its phases, 3 its partners, 4 the participations with
    # hubs and regions, 5 their schools, 6 its published Work Groups with hubs.
    with django_assert_num_queries(6):
        assert client.get(participation.project.get_absolute_url()).status_code == 200


def test_an_unknown_project_is_a_404(client, reference_data):
    assert client.get(reverse("projects:detail", args=["no-such-project"])).status_code == 404


def test_the_hub_page_lists_its_projects_with_their_years(client, hub, participation, exchange):
    ProjectParticipation.objects.create(hub=hub, project=exchange, academic_year=2015)
    ProjectParticipation.objects.create(hub=hub, project=exchange, academic_year=2016)

    text = page_text(client.get(hub.get_absolute_url()))

    assert exchange.get_absolute_url() in text
    assert (
        'England-China (Shanghai) teacher exchange</a> <span class="muted">2015-16, 2016-17' in text
    )
    assert participation.project.name in text


def test_a_hub_without_projects_says_so(client, hub):
    assert "part in national projects is not yet recorded" in page_text(
        client.get(hub.get_absolute_url())
    )


# ---- Workspace: who may do what -------------------------------------------------------------


def test_the_team_and_ncetm_staff_read_the_projects_pages(
    client, participation, hub_member, ncetm_staff
):
    for user in (hub_member, ncetm_staff):
        client.force_login(user)
        assert client.get(url("list", participation.hub)).status_code == 200
        detail = client.get(url("detail", participation.hub, participation.pk))
        assert detail.status_code == 200
        # Only a lead is offered the forms.
        assert url("edit", participation.hub, participation.pk) not in detail.content.decode()


def test_members_cannot_change_projects(member_client, participation, mastery):
    hub = participation.hub
    assert member_client.get(url("create", hub)).status_code == 403
    refused = member_client.post(
        url("create", hub), {"project": mastery.pk, "academic_year": THIS_YEAR - 1}
    )
    assert refused.status_code == 403
    assert member_client.get(url("school-add", hub, participation.pk)).status_code == 403
    assert member_client.post(url("delete", hub, participation.pk)).status_code == 403
    assert ProjectParticipation.objects.count() == 1


def test_ncetm_staff_read_but_do_not_change_a_hubs_projects(staff_client, participation):
    hub = participation.hub
    assert staff_client.get(url("edit", hub, participation.pk)).status_code == 403
    assert staff_client.post(url("delete", hub, participation.pk)).status_code == 404
    assert ProjectParticipation.objects.filter(pk=participation.pk).exists()


def test_another_hubs_lead_gets_404_even_with_real_ids(client, participation, other_hub_lead):
    client.force_login(other_hub_lead)
    hub = participation.hub
    assert client.get(url("list", hub)).status_code == 404
    assert client.get(url("detail", hub, participation.pk)).status_code == 404
    # Their own workspace does not reach this hub's record either.
    assert (
        client.get(
            url("detail", other_hub_lead.hub_memberships.get().hub, participation.pk)
        ).status_code
        == 404
    )


def test_a_teacher_is_refused(client, participation):
    client.force_login(make_teacher())
    assert client.get(url("list", participation.hub)).status_code == 404


# ---- Workspace: recording a hub's part ------------------------------------------------------


def test_a_lead_records_a_participation_with_an_audit_entry(lead_client, hub, hub_lead, mastery):
    response = lead_client.post(
        url("create", hub),
        {
            "project": mastery.pk,
            "academic_year": THIS_YEAR,
            "local_lead": "  Pat   Primary ",
            "targets": "Twelve schools start the programme.",
            "outcomes": "",
        },
    )

    participation = ProjectParticipation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", hub, participation.pk)
    assert (participation.hub, participation.project, participation.academic_year) == (
        hub,
        mastery,
        THIS_YEAR,
    )
    assert participation.local_lead == "Pat Primary"
    entry = AuditEntry.objects.get(hub=hub)
    assert (entry.user, entry.action) == (hub_lead, "project_participation.create")
    assert entry.after["targets"] == "Twelve schools start the programme."


def test_a_participation_outside_the_projects_years_is_refused(lead_client, hub, exchange):
    response = lead_client.post(
        url("create", hub), {"project": exchange.pk, "academic_year": THIS_YEAR}
    )
    assert response.status_code == 200
    assert "so a hub cannot take part in it in" in page_text(response)
    assert 'href="#id_academic_year"' in response.content.decode()
    assert not ProjectParticipation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_lead_changes_outcomes_but_not_the_project_or_year(lead_client, participation, exchange):
    hub = participation.hub
    response = lead_client.post(
        url("edit", hub, participation.pk),
        {
            "project": exchange.pk,  # not a field of the change form: ignored
            "academic_year": 2016,
            "local_lead": "Pat Primary",
            "targets": "",
            "outcomes": "Nine schools now teach for mastery.",
        },
    )
    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.outcomes == "Nine schools now teach for mastery."
    assert (participation.project.slug, participation.academic_year) == (
        "teaching-for-mastery",
        THIS_YEAR,
    )
    entry = AuditEntry.objects.get(action="project_participation.update")
    assert entry.before["outcomes"] == ""
    assert entry.after["outcomes"] == "Nine schools now teach for mastery."


def test_a_lead_adds_two_pilot_schools_found_by_search(lead_client, participation):
    hub = participation.hub
    first = make_school(name="Harrowgate Hill Primary")
    second = make_school(name="Harrowgate Village Primary")

    found = lead_client.get(url("school-add", hub, participation.pk), {"school_q": "harrowgate"})
    assert found.status_code == 200
    assert "2 schools found for “harrowgate”" in page_text(found)

    for school in (first, second):
        response = lead_client.post(
            url("school-add", hub, participation.pk),
            {"school_q": "harrowgate", "school": school.pk, "part": "pilot"},
        )
        assert response.status_code == 302

    parts = sorted(participation.schools.values_list("school__name", "part"))
    assert parts == [
        ("Harrowgate Hill Primary", "pilot"),
        ("Harrowgate Village Primary", "pilot"),
    ]
    assert AuditEntry.objects.filter(action="project_school.add").count() == 2
    detail = page_text(lead_client.get(url("detail", hub, participation.pk)))
    assert "Harrowgate Hill Primary" in detail
    assert "Pilot school" in detail


def test_the_school_search_ignores_accents_and_punctuation_on_its_index(lead_client, participation):
    make_register()
    therese = make_school(name="St Thérèse\u2019s Catholic Primary School")
    bronte = make_school(name="Bronte Academy")
    search = url("school-add", participation.hub, participation.pk)

    with CaptureQueriesContext(connection) as queries:
        found = lead_client.get(search, {"school_q": "st therese's"})

    assert found.context["schools"] == [therese]
    (plan,) = folded_search_plans(queries)
    assert "school_name_fold_trgm_idx" in plan, plan
    assert lead_client.get(search, {"school_q": "Brontë"}).context["schools"] == [bronte]


def test_a_school_already_in_the_project_is_refused_with_a_message(lead_client, participation):
    school = make_school(name="Dene Academy")
    ProjectSchool.objects.create(participation=participation, school=school, part="pilot")

    response = lead_client.post(
        url("school-add", participation.hub, participation.pk),
        {"school_q": "Dene", "school": school.pk, "part": "participant"},
    )

    assert response.status_code == 200
    assert "Dene Academy is already part of this project in" in page_text(response)
    assert participation.schools.get().part == "pilot"


def test_a_school_must_be_chosen_and_given_a_part(lead_client, participation):
    response = lead_client.post(url("school-add", participation.hub, participation.pk), {})
    text = page_text(response)
    assert "Search the register, then choose a school from the results." in text
    assert "Choose the school&#x27;s part in the project." in text
    assert not participation.schools.exists()


def test_a_lead_removes_a_school(lead_client, participation):
    entry = ProjectSchool.objects.create(
        participation=participation, school=make_school(name="Dene Academy"), part="pilot"
    )
    response = lead_client.post(url("school-remove", participation.hub, participation.pk, entry.pk))
    assert response.status_code == 302
    assert not participation.schools.exists()
    audit = AuditEntry.objects.get(action="project_school.remove")
    assert audit.before["school_name"] == "Dene Academy"


def test_a_school_entry_is_fetched_through_its_participation(lead_client, participation, mastery):
    other = ProjectParticipation.objects.create(
        hub=participation.hub, project=mastery, academic_year=THIS_YEAR - 1
    )
    entry = ProjectSchool.objects.create(participation=other, school=make_school(), part="pilot")
    response = lead_client.post(url("school-remove", participation.hub, participation.pk, entry.pk))
    assert response.status_code == 404
    assert ProjectSchool.objects.filter(pk=entry.pk).exists()


def test_only_the_hubs_own_work_groups_of_that_year_can_belong(
    lead_client, participation, other_hub
):
    hub = participation.hub
    ours = make_workgroup(hub, title="Mastery Readiness")
    draft = make_workgroup(hub, title="Mastery Draft", status="draft")
    last_year = make_workgroup(hub, title="Last Year", academic_year=THIS_YEAR - 1)
    theirs = make_workgroup(other_hub, title="Elsewhere")

    page = lead_client.get(url("workgroups", hub, participation.pk))
    choices = {w.title for w in page.context["form"].fields["workgroups"].queryset}
    assert choices == {"Mastery Readiness", "Mastery Draft"}

    for stranger in (last_year, theirs):
        refused = lead_client.post(
            url("workgroups", hub, participation.pk), {"workgroups": [ours.pk, stranger.pk]}
        )
        assert refused.status_code == 200
        assert "Choose Work Groups from the list." in page_text(refused)
        assert not participation.workgroups.exists()

    response = lead_client.post(
        url("workgroups", hub, participation.pk), {"workgroups": [ours.pk, draft.pk]}
    )
    assert response.status_code == 302
    assert set(participation.workgroups.all()) == {ours, draft}
    audit = AuditEntry.objects.get(action="project_participation.workgroups")
    assert audit.after == {"work_groups": ["Mastery Draft", "Mastery Readiness"]}


def test_a_lead_removes_a_record_made_by_mistake(lead_client, participation):
    ProjectSchool.objects.create(participation=participation, school=make_school(), part="pilot")
    hub = participation.hub
    assert lead_client.get(url("delete", hub, participation.pk)).status_code == 200

    response = lead_client.post(url("delete", hub, participation.pk))

    assert response.status_code == 302
    assert not ProjectParticipation.objects.exists()
    assert not ProjectSchool.objects.exists()
    assert AuditEntry.objects.get(action="project_participation.delete").before["school_names"]


# ---- Workspace: query counts ------------------------------------------------------------------


def test_the_workspace_list_runs_a_fixed_number_of_queries(
    lead_client, hub, reference_data, django_assert_num_queries
):
    for year in (THIS_YEAR, THIS_YEAR - 1):
        for project in NationalProject.objects.filter(last_year__isnull=True):
            participation = ProjectParticipation.objects.create(
                hub=hub, project=project, academic_year=year
            )
            ProjectSchool.objects.create(
                participation=participation, school=make_school(), part="pilot"
            )
            participation.workgroups.add(make_workgroup(hub, academic_year=year))
    lead_client.get(url("list", hub))  # warm the session

    # Session, user, the two-factor check, hub, membership (access, also
    # whether the user is a lead); the participations with projects and counts.
    with django_assert_num_queries(6):
        response = lead_client.get(url("list", hub))

    assert [y["year"] for y in response.context["years"]] == [THIS_YEAR, THIS_YEAR - 1]
    first = response.context["years"][0]["participations"][0]
    assert (first.school_count, first.workgroup_count) == (1, 1)


def test_the_participation_page_runs_a_fixed_number_of_queries(
    lead_client, participation, django_assert_num_queries
):
    for _ in range(4):
        ProjectSchool.objects.create(
            participation=participation, school=make_school(), part="participant"
        )
        participation.workgroups.add(make_workgroup(participation.hub))
    lead_client.get(url("detail", participation.hub, participation.pk))

    # Session, user, the two-factor check, hub, membership (access, also
    # whether the user is a lead); the participation with its project; its
    # schools with their authorities; its Work Groups.
    with django_assert_num_queries(8):
        response = lead_client.get(url("detail", participation.hub, participation.pk))
    assert response.status_code == 200


def test_the_change_history_names_what_changed(lead_client, participation):
    school = make_school(name="Harrowgate Hill Primary")
    lead_client.post(
        url("school-add", participation.hub, participation.pk),
        {"school": school.pk, "part": "pilot"},
    )
    lead_client.post(
        url("edit", participation.hub, participation.pk),
        {"local_lead": "Pat Primary", "targets": "", "outcomes": "Nine schools took part."},
    )

    text = words(lead_client.get(reverse("manage-hubs:audit", args=[participation.hub.slug])))

    assert "Harrowgate Hill Primary" in text
    assert "Pilot school" in text
    assert "Nine schools took part." in text
