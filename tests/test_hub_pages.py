import pytest
from django.urls import reverse

from hubs.models import Hub, LeadershipTeamMember, Organisation, Partnership, RecordStatus
from tests.factories import make_lead, make_school
from tests.helpers import page_text


@pytest.mark.django_db
def test_home_page_explains_the_network_and_leads_on(client, reference_data):
    response = client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert "40 regional partnerships" in text
    assert reverse("find-hub") in text
    assert reverse("hubs:list") in text


def test_all_hubs_are_listed_by_region_with_their_lead_schools(client, reference_data):
    response = client.get(reverse("hubs:list"))
    text = page_text(response)
    assert response.status_code == 200
    assert text.count('class="card"') == 40
    # Regions appear as headings, hubs under the region they are based in.
    north_east = text.index('id="region-E12000001"')
    assert north_east < text.index("Archimedes NE Maths Hub") < text.index('id="region-E12000002"')
    assert "Carmel College, Darlington" in text
    # Two lead schools are both shown; an unknown lead says so plainly.
    assert "Cambourne Village College; Comberton Village College" in text
    assert "Lead school not yet recorded" in text


def test_historical_lead_schools_are_shown_as_recorded_not_as_certain(client, reference_data):
    response = client.get(reverse("hubs:detail", args=["cheshire-and-wirral"]))
    text = page_text(response)
    assert "Alsager School" in text
    assert "Historical (2014-2019)" in text
    assert "not yet been confirmed" in text
    assert "not yet linked to the school register" in text


def test_a_hub_without_a_recorded_lead_says_so(client, reference_data):
    response = client.get(reverse("hubs:detail", args=["great-north"]))
    text = page_text(response)
    assert "lead school is not yet recorded" in text
    assert "Not yet confirmed" in text  # its area is unconfirmed too


def test_hub_page_shows_partners_team_area_and_school_count(client, hub):
    hub.contact_email = "info@example.org"
    hub.save()
    lead = hub.partnerships.get(role="lead")
    lead.school = make_school(name="Carmel College", la_code="841")
    lead.status = RecordStatus.CONFIRMED
    lead.save()
    make_school(la_code="840")
    make_school(la_code="805", status="closed")  # closed schools are not counted
    make_school(la_code="202")  # Camden: outside the hub's area
    Partnership.objects.create(
        hub=hub,
        role=Partnership.Role.STRATEGIC,
        organisation=Organisation.objects.create(name="Durham University", kind="university"),
    )
    Partnership.objects.create(
        hub=hub, role=Partnership.Role.OPERATIONAL, school=make_school(name="Dene Academy")
    )
    LeadershipTeamMember.objects.create(
        hub=hub, name="Alex Example", role="senior_lead", email="alex@example.org"
    )

    response = client.get(hub.get_absolute_url())
    text = page_text(response)
    assert response.status_code == 200
    assert "Carmel College" in text
    assert "URN" in text
    assert "Durham University" in text
    assert "University" in text
    assert "Dene Academy" in text
    assert "Alex Example" in text
    assert "Senior Lead" in text
    assert 'href="mailto:alex@example.org"' in text
    assert 'href="mailto:info@example.org"' in text
    assert "Darlington" in text
    assert "Stockton-on-Tees" in text
    # Carmel College, the school in 840 and Dene Academy; not the closed one or Camden.
    assert "3 open schools in its area" in text


def test_ended_partnerships_are_not_shown(client, hub):
    from datetime import date

    Partnership.objects.create(
        hub=hub,
        role=Partnership.Role.OPERATIONAL,
        recorded_name="Former Partner School",
        start_date=date(2015, 9, 1),
        end_date=date(2018, 8, 31),
    )
    assert "Former Partner School" not in client.get(hub.get_absolute_url()).content.decode()


def test_unknown_hub_is_a_404(client, reference_data):
    assert client.get(reverse("hubs:detail", args=["atlantis"])).status_code == 404


def test_staff_see_a_link_to_correct_the_record(client, hub, django_user_model):
    staff = django_user_model.objects.create_user("staff@example.org", "pw", is_staff=True)
    client.force_login(staff)
    text = client.get(hub.get_absolute_url()).content.decode()
    assert reverse("admin:hubs_hub_change", args=[hub.pk]) in text


def test_teachers_do_not_see_the_correction_link(client, hub, django_user_model):
    client.force_login(django_user_model.objects.create_user("t@example.org", "pw"))
    text = client.get(hub.get_absolute_url()).content.decode()
    assert "/admin/" not in text


def test_hub_page_runs_a_fixed_number_of_queries(client, hub, django_assert_num_queries):
    for _ in range(30):
        make_school(la_code="841")
    for n in range(5):
        Partnership.objects.create(
            hub=hub, role=Partnership.Role.OPERATIONAL, school=make_school(name=f"Partner {n}")
        )
        LeadershipTeamMember.objects.create(hub=hub, name=f"Person {n}", role="maths_lead")
    # 1 hub and region, 2 current partnerships with schools and organisations,
    # 3 leadership team, 4 local authorities with regions, 5 open schools in area,
    # 6 upcoming Work Groups with places, 7 the hub's project participations with
    # their projects (tests/test_projects.py fills them in).
    with django_assert_num_queries(7):
        assert client.get(hub.get_absolute_url()).status_code == 200


def test_hub_list_runs_a_fixed_number_of_queries(client, reference_data, django_assert_num_queries):
    for hub in Hub.objects.all()[:10]:
        make_lead(hub, make_school())
    # 1 hubs with regions, 2 their current lead partnerships with schools.
    with django_assert_num_queries(2):
        assert client.get(reverse("hubs:list")).status_code == 200


def test_hub_page_lists_its_upcoming_work_groups_with_places(client, hub):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import make_session, make_workgroup

    soon = timezone.now() + timedelta(days=20)
    open_group = make_workgroup(hub, title="Mastering Fractions")
    make_session(open_group, 1, soon)
    full_group = make_workgroup(hub, title="Full Group", capacity=1)
    make_session(full_group, 1, soon)
    full_group.__class__.objects.filter(pk=full_group.pk).update(places_taken=1)
    draft = make_workgroup(hub, title="Draft Group", status="draft")
    make_session(draft, 1, soon)

    text = page_text(client.get(hub.get_absolute_url()))
    assert "Mastering Fractions" in text
    assert "20 places left" in text
    assert "Full Group" not in text
    assert "Draft Group" not in text
    assert "/workgroups/?hub=archimedes-ne" in text
