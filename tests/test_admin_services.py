"""The admin keeps the same rules as the workspace: its changes go through the services.

Raising a Work Group's places in the admin gives them to the waiting list,
status moves one step at a time, and every change is in the hub's history;
what the services refuse, the admin refuses too, saying why.
"""

from datetime import timedelta

import pytest
from django.forms import MultiWidget
from django.urls import reverse
from django.utils import timezone

from exchange.models import ExchangeTeacher, ExchangeYear, Showcase
from exchange.services import observer_register
from hubs.models import AuditEntry, HubMembership
from hubs_portal.lib.academic_year import current_academic_year
from tests.factories import make_school, make_teacher, make_workgroup, phase
from tests.helpers import activate_totp, page_text
from workgroups.models import Enrolment, WorkGroup
from workgroups.services import enrolment_join


@pytest.fixture
def staff(django_user_model):
    return activate_totp(
        django_user_model.objects.create_superuser("ncetm@example.org", "a-long-password-1")
    )


@pytest.fixture
def staff_client(client, staff):
    # National staff pass two-factor authentication before the admin (accounts/mfa.py).
    client.force_login(staff)
    return client


def _put(data: dict, form, name: str, value) -> None:
    widget = form.fields[name].widget
    if isinstance(widget, MultiWidget) and not isinstance(value, list):
        for i, part in enumerate(widget.decompress(value)):
            data[f"{form.add_prefix(name)}_{i}"] = "" if part is None else str(part)
    elif isinstance(value, list | tuple):
        data[form.add_prefix(name)] = [str(v) for v in value]
    elif value is not None:
        data[form.add_prefix(name)] = str(value)


def form_data(client, url: str, **changes) -> dict:
    """What the admin page at ``url`` would post unchanged, with ``changes``."""
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["adminform"].form
    data: dict = {}
    for name in form.fields:
        _put(data, form, name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                _put(data, inline_form, name, inline_form[name].value())
    for name, value in changes.items():
        _put(data, form, name, value)
    return data


def change(client, obj, **changes):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return client.post(url, form_data(client, url, **changes), follow=True)


def actions(hub) -> list[str]:
    return list(AuditEntry.objects.filter(hub=hub).order_by("pk").values_list("action", flat=True))


# --- Work Groups ----------------------------------------------------------------


@pytest.fixture
def full_group(hub):
    """A group of two places, taken, with two teachers waiting."""
    group = make_workgroup(hub, title="Full group", capacity=2)
    joined = [enrolment_join(workgroup_id=group.pk, teacher=make_teacher()) for _ in range(4)]
    assert [e.status for e in joined] == ["confirmed", "confirmed", "waiting", "waiting"]
    return group, joined


def test_more_places_in_the_admin_go_to_the_waiting_list(staff_client, hub, full_group):
    group, (_, _, first, second) = full_group

    response = change(staff_client, group, capacity=3)

    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("confirmed", "waiting")
    group.refresh_from_db()
    assert (group.capacity, group.places_taken) == (3, 3)
    entry = AuditEntry.objects.get(hub=hub, action="workgroup.places")
    assert entry.after["promoted_enrolments"] == [first.pk]
    assert entry.user.email == "ncetm@example.org"


def test_fewer_places_than_taken_is_refused_with_the_reason(staff_client, hub, full_group):
    group, _ = full_group
    make_workgroup(hub)  # unrelated
    before = actions(hub)

    response = change(staff_client, group, capacity=1, title="Renamed")

    assert "you cannot offer fewer than 2" in page_text(response)
    group.refresh_from_db()
    assert (group.capacity, group.title) == (2, "Full group")  # nothing of the change kept
    assert actions(hub) == before


def test_description_and_status_changes_are_audited_one_step_at_a_time(staff_client, hub):
    group = make_workgroup(hub, title="Draft group", status=WorkGroup.Status.DRAFT)

    change(staff_client, group, title="Published group", status="open")

    group.refresh_from_db()
    assert (group.title, group.status) == ("Published group", "open")
    assert actions(hub) == ["workgroup.update", "workgroup.publish"]

    response = change(staff_client, group, status="draft")
    assert "it goes from draft to open to closed" in page_text(response)
    group.refresh_from_db()
    assert group.status == "open"


def test_a_work_group_added_in_the_admin_is_a_draft_with_its_history(staff_client, hub):
    url = reverse("admin:workgroups_workgroup_add")
    data = form_data(staff_client, url)
    data.update(
        hub=str(hub.pk),
        title="Added by NCETM",
        description="Teachers meet.",
        local_need="Asked for.",
        academic_year=str(current_academic_year()),
        capacity="12",
        delivery="in_person",
        phases=[str(phase("primary").pk)],
    )
    response = staff_client.post(url, data, follow=True)

    assert response.status_code == 200
    group = WorkGroup.objects.get(title="Added by NCETM")
    assert group.status == WorkGroup.Status.DRAFT
    assert group.slug
    assert actions(hub) == ["workgroup.create"]


def test_enrolments_cannot_be_deleted_in_the_admin(staff_client, full_group):
    _, (held, *_) = full_group
    url = reverse("admin:workgroups_enrolment_delete", args=[held.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert Enrolment.objects.filter(pk=held.pk).exists()


# --- Hub teams ---------------------------------------------------------------------


def test_the_only_lead_is_neither_demoted_nor_removed_in_the_admin(staff_client, hub, hub_lead):
    lead = HubMembership.objects.get(user=hub_lead)

    response = change(staff_client, lead, role="member")
    assert "is the hub&#x27;s only lead" in page_text(response)
    lead.refresh_from_db()
    assert lead.role == "lead"

    url = reverse("admin:hubs_hubmembership_delete", args=[lead.pk])
    response = staff_client.post(url, {"post": "yes"}, follow=True)
    assert "is the hub&#x27;s only lead" in page_text(response)
    assert HubMembership.objects.filter(pk=lead.pk).exists()
    assert actions(hub) == []


def test_team_changes_in_the_admin_are_in_the_hubs_history(staff_client, hub, hub_lead):
    newcomer = make_teacher("new.member@example.org")
    url = reverse("admin:hubs_hubmembership_add")
    response = staff_client.post(
        url, {"hub": hub.pk, "user": newcomer.pk, "role": "member"}, follow=True
    )
    assert response.status_code == 200
    membership = HubMembership.objects.get(user=newcomer)

    change(staff_client, membership, role="lead")
    url = reverse("admin:hubs_hubmembership_delete", args=[membership.pk])
    staff_client.post(url, {"post": "yes"})

    assert not HubMembership.objects.filter(user=newcomer).exists()
    assert actions(hub) == ["membership.add", "membership.role", "membership.remove"]


# --- The exchange ------------------------------------------------------------------


@pytest.fixture
def showcase(hub):
    year = ExchangeYear.objects.create(academic_year=current_academic_year())
    starts = timezone.now() + timedelta(days=3)
    host = ExchangeTeacher.objects.create(
        hub=hub, exchange_year=year, teacher_name="Hal Host", school=make_school(), phase="primary"
    )
    return Showcase.objects.create(
        hub=hub,
        exchange_year=year,
        host_school=host.school,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        class_and_topic="Year 4 fractions",
        observer_places=2,
        status=Showcase.Status.OPEN,
    )


def test_showcase_places_never_fall_below_the_observers(staff_client, hub, showcase):
    for _ in range(2):
        observer_register(showcase_id=showcase.pk, teacher=make_teacher())

    response = change(staff_client, showcase, observer_places=1)
    assert "you cannot offer fewer than 2 places" in page_text(response)
    showcase.refresh_from_db()
    assert showcase.observer_places == 2

    change(staff_client, showcase, observer_places=3, status="closed")
    showcase.refresh_from_db()
    assert (showcase.observer_places, showcase.status) == (3, "closed")
    assert actions(hub)[-2:] == ["exchange.showcase.update", "exchange.showcase.closed"]


def test_a_nomination_removed_in_the_admin_is_in_the_hubs_history(staff_client, hub, showcase):
    nomination = ExchangeTeacher.objects.create(
        hub=hub,
        exchange_year=showcase.exchange_year,
        teacher_name="Nia Nominee",
        school=make_school(),
        phase="primary",
    )
    url = reverse("admin:exchange_exchangeteacher_delete", args=[nomination.pk])
    staff_client.post(url, {"post": "yes"})

    assert not ExchangeTeacher.objects.filter(pk=nomination.pk).exists()
    assert actions(hub) == ["exchange.nomination.remove"]
