"""National staff keep the reference records right through the Django admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from hubs.models import Partnership
from tests.factories import make_lead, make_school
from tests.helpers import activate_totp, page_text


@pytest.fixture
def staff_client(client, django_user_model):
    # National staff pass two-factor authentication before the admin (accounts/mfa.py).
    client.force_login(
        activate_totp(
            django_user_model.objects.create_superuser("ncetm@example.org", "a-long-password-1")
        )
    )
    return client


def test_every_model_has_an_admin_with_search(staff_client, reference_data):
    make_school(name="Oakfield Primary School")
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"hubs", "accounts"}:
            continue
        assert model_admin.search_fields, f"{model.__name__} admin has no search"
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert staff_client.get(url, {"q": "oak"}).status_code == 200, url


def test_hub_admin_filters_hubs_whose_lead_is_not_linked(staff_client, reference_data):
    url = reverse("admin:hubs_hub_changelist")
    text = page_text(staff_client.get(url, {"lead_link": "none"}))
    assert "Great North Maths Hub" in text
    assert "Archimedes NE Maths Hub" not in text
    text = page_text(staff_client.get(url, {"lead_link": "unlinked"}))
    assert "Archimedes NE Maths Hub" in text


def test_staff_can_link_a_recorded_lead_to_the_register_and_confirm_it(staff_client, hub):
    lead = hub.partnerships.get(role="lead")
    school = make_school(name="Carmel College")
    response = staff_client.post(
        reverse("admin:hubs_partnership_change", args=[lead.pk]),
        {
            "hub": hub.pk,
            "role": "lead",
            "school": school.pk,
            "recorded_name": lead.recorded_name,
            "status": "confirmed",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.school, lead.status) == (school, "confirmed")


def test_the_admin_refuses_a_third_lead_school_with_the_reason(staff_client, hub):
    make_lead(hub, make_school(name="Hummersknott Academy"))
    response = staff_client.post(
        reverse("admin:hubs_partnership_add"),
        {"hub": hub.pk, "role": "lead", "school": make_school().pk, "status": "confirmed"},
    )
    assert response.status_code == 200
    assert "already has two current lead schools" in page_text(response)
    assert hub.partnerships.filter(role=Partnership.Role.LEAD_SCHOOL).count() == 2


@pytest.mark.django_db
def test_people_who_are_not_staff_are_kept_out(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("t@example.org", "pw"))
    response = client.get(reverse("admin:hubs_hub_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
