"""A person's own data: downloading all of it, and deleting the account.

The export must hold every kind of record the portal keeps about the person
(and a new link to the user that it does not cover fails
``test_every_link_to_a_user_is_exported_or_explained``); deleting anonymises
the account in place, so the reports count what the teacher took part in
exactly as before.
"""

import json
import re
from dataclasses import asdict
from datetime import timedelta
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session as WebSession
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.data import EMAIL_FIELDS, relation_label, user_data, user_relations
from accounts.models import DELETED_ACCOUNT, User
from accounts.services import AccountDeletionRefused, account_delete
from exchange.models import ExchangeTeacher, ExchangeYear, ObserverRegistration, Showcase
from exchange.services import observer_register
from hubs.models import AuditEntry, HubMembership, LeadershipTeamMember
from hubs_portal.lib.academic_year import current_academic_year
from newsletters.models import Delivery, Issue, Subscriber
from notifications.models import Email
from projects.models import Allocation, NationalProject, ProjectParticipation, Spend
from reports.access import ReportScope
from reports.queries.filters import Filters, scoped_hubs
from reports.queries.network import network_report
from reports.queries.workgroups import workgroup_report
from tests.factories import make_session, make_teacher, make_workgroup
from tests.helpers import PERSONA_TOTP_SECRET, activate_totp, page_text
from workgroups.models import Attendance, Enrolment, WorkGroup
from workgroups.services import (
    attendance_record,
    enrolment_join,
    enrolments_complete,
    evaluation_save,
    participants_message_send,
    workgroup_close,
)

PASSWORD = "Fractions-on-a-number-line-42"
DATA = reverse("accounts:data")
DOWNLOAD = reverse("accounts:data-download")
DELETE = reverse("accounts:delete")
DELETED = reverse("accounts:deleted")
LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
STAFF = ReportScope(national=True)


def make_person(email: str, name: str) -> User:
    """A teacher with a complete profile, a password and a verified address."""
    user = make_teacher(email)
    user.full_name = name
    user.set_password(PASSWORD)
    user.save(update_fields=["full_name", "password"])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


@pytest.fixture
def exchange_year(db) -> ExchangeYear:
    return ExchangeYear.objects.create(academic_year=current_academic_year())


def build_world(hub, lead, year: ExchangeYear, *, email: str, name: str, project_slug: str):
    """A teacher with one record of every kind the portal keeps about teachers.

    Titles and subjects carry the teacher's first name, so an export can be
    searched for anything of somebody else's.
    """
    tag = name.split()[0]
    now = timezone.now()
    teacher = make_person(email, name)
    # A second, verified address: records under it are theirs too.
    EmailAddress.objects.create(user=teacher, email=f"home.{email}", verified=True)

    # A Work Group that began a month ago: a place, attendance, a message.
    past = make_workgroup(hub, title=f"Reasoning with {tag}", capacity=10)
    first = make_session(past, 1, now - timedelta(days=30))
    make_session(past, 2, now - timedelta(days=2))
    held = enrolment_join(workgroup_id=past.pk, teacher=teacher)
    attendance_record(session=first, present_ids={held.pk}, user=lead)
    participants_message_send(
        workgroup_id=past.pk,
        subject=f"Gap task for {tag}",
        body=f"Bring a fraction wall, {tag}.",
        include_waiting=False,
        user=lead,
    )
    # One still to come.
    future = make_workgroup(hub, title=f"Fractions for {tag}", capacity=5)
    make_session(future, 1, now + timedelta(days=30))
    upcoming = enrolment_join(workgroup_id=future.pk, teacher=teacher)

    # The outbox: the first e-mail went out, the others wait.
    sent = Email.objects.filter(to=email).order_by("pk").first()
    sent.status, sent.sent_at = Email.Status.SENT, now
    sent.save(update_fields=["status", "sent_at"])

    # A newsletter, under the address in another case, with an issue sent.
    subscriber = Subscriber.objects.create(
        hub=hub, email=f"home.{email}".upper(), status=Subscriber.Status.CONFIRMED, confirmed_at=now
    )
    issue = Issue.objects.create(
        hub=hub, subject=f"News for {tag}", body_markdown="Hello.", created_by=lead
    )
    Delivery.objects.create(
        issue=issue, subscriber=subscriber, status=Delivery.Status.SENT, sent_at=now
    )

    # The exchange: nominated by the hub with their address, registered to observe.
    school = teacher.school
    nomination = ExchangeTeacher.objects.create(
        hub=hub,
        exchange_year=year,
        teacher_name=name,
        school=school,
        phase="primary",
        email=email,
    )
    showcase = Showcase.objects.create(
        hub=hub,
        exchange_year=year,
        host_school=school,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=2),
        class_and_topic=f"Year 4 with {tag}",
        observer_places=5,
        status=Showcase.Status.OPEN,
    )
    registration = observer_register(showcase_id=showcase.pk, teacher=teacher)

    # Hub records that give their name.
    make_workgroup(hub, title=f"Led by {tag}", lead_name=name.upper())
    ProjectParticipation.objects.create(
        hub=hub,
        project=NationalProject.objects.get(slug=project_slug),
        academic_year=current_academic_year(),
        local_lead=name,
    )

    # A teacher may set up an authenticator app too.
    activate_totp(teacher)

    return SimpleNamespace(
        teacher=teacher,
        tag=tag,
        past=past,
        future=future,
        held=held,
        upcoming=upcoming,
        subscriber=subscriber,
        nomination=nomination,
        showcase=showcase,
        registration=registration,
    )


@pytest.fixture
def ada(hub, hub_lead, exchange_year):
    return build_world(
        hub,
        hub_lead,
        exchange_year,
        email="ada@example.org",
        name="Ada Lovelace",
        project_slug="teaching-for-mastery",
    )


@pytest.fixture
def grace(hub, hub_lead, exchange_year):
    return build_world(
        hub,
        hub_lead,
        exchange_year,
        email="grace@example.org",
        name="Grace Hopper",
        project_slug="england-china-exchange",
    )


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def download(client: Client) -> dict:
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    return json.loads(response.content)


def section(data: dict, path: str):
    for part in path.split("."):
        data = data[part]
    return data


# --- The export -----------------------------------------------------------------------


def test_the_download_is_a_dated_pretty_printed_json_attachment(client, ada):
    response = login(client, ada.teacher).get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="maths-hubs-your-data-{today:%Y-%m-%d}.json"'
    )
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert text.startswith('{\n  "about": ')
    assert json.loads(text)["account"]["email"] == "ada@example.org"


def test_the_export_holds_each_kind_of_record(client, ada, grace):
    data = download(login(client, ada.teacher))

    account = data["account"]
    assert account["full_name"] == "Ada Lovelace"
    assert account["school"] == {"name": ada.teacher.school.name, "urn": ada.teacher.school.urn}
    assert account["job_role"] == "Class teacher"
    assert account["phases_taught"] == ["Primary"]
    assert account["date_joined"]
    assert account["profile_completed_at"]
    assert sorted(a["email"] for a in data["email_addresses"]) == [
        "ada@example.org",
        "home.ada@example.org",
    ]

    past, future = data["enrolments"]
    assert past["work_group"] == "Reasoning with Ada"
    assert past["status"] == "Place confirmed"
    assert past["confirmed_at"]
    assert past["school_when_joined"]["urn"] == ada.teacher.school.urn
    assert [(a["session"], a["present"]) for a in past["attendance"]] == [(1, True)]
    assert future["work_group"] == "Fractions for Ada"
    assert future["attendance"] == []

    [message] = data["participant_messages_received"]
    assert (message["subject"], message["body"]) == (
        "Gap task for Ada",
        "Bring a fraction wall, Ada.",
    )

    [subscription] = data["newsletter_subscriptions"]
    assert subscription["email"] == "HOME.ADA@EXAMPLE.ORG"
    assert subscription["status"] == "Subscribed"
    assert [i["subject"] for i in subscription["issues"]] == ["News for Ada"]

    [nomination] = data["exchange_nominations"]
    assert (nomination["teacher_name"], nomination["email"]) == ("Ada Lovelace", "ada@example.org")
    [registration] = data["showcase_registrations"]
    assert (registration["lesson"], registration["status"]) == ("Year 4 with Ada", "Registered")

    records = data["records_naming_you"]
    assert [w["work_group"] for w in records["work_groups_led"]] == ["Led by Ada"]
    assert [p["project"] for p in records["project_local_lead"]] == [
        "Teaching for Mastery and the Mastery Specialists programme"
    ]

    subjects = [e["subject"] for e in data["emails_sent_to_you"]]
    assert "Gap task for Ada" in subjects
    assert {e["status"] for e in data["emails_sent_to_you"]} == {"Sent", "Waiting to be sent"}
    assert all(
        set(e) == {"to", "subject", "status", "created_at", "sent_at"}
        for e in data["emails_sent_to_you"]
    )

    [authenticator] = data["two_factor_authenticators"]
    assert authenticator["type"] == "TOTP Authenticator"
    assert set(authenticator) == {"type", "created_at", "last_used_at"}


def test_nothing_of_another_person_and_no_secret_is_exported(client, ada, grace):
    text = login(client, ada.teacher).get(DOWNLOAD).content.decode()

    for theirs in ["grace@example.org", "Grace", "Hopper", grace.teacher.school.name]:
        assert theirs.lower() not in text.lower()
    # Secrets: the password hash, the authenticator's key, the calendar link, e-mail bodies.
    ada.teacher.refresh_from_db()
    assert ada.teacher.password not in text
    assert PERSONA_TOTP_SECRET not in text
    assert ada.teacher.calendar_token not in text
    assert "://" not in text  # no link of any kind: e-mail bodies are left out


def add_team_work(hub, lead) -> None:
    """What a hub lead leaves behind besides ``build_world``'s: an evaluation, a
    sent newsletter, funding records and a change in the admin."""
    closed = make_workgroup(hub, title="Closed group")
    workgroup_close(workgroup_id=closed.pk, user=lead)
    evaluation_save(workgroup_id=closed.pk, outcomes="Better", impact_notes="Much", user=lead)
    Issue.objects.filter(created_by=lead).update(sent_by=lead)
    Allocation.objects.create(
        hub=hub,
        academic_year=2024,
        category=Allocation.Category.STRUCTURAL,
        amount="1000.00",
        recorded_by=lead,
    )
    Spend.objects.create(
        hub=hub,
        category=Spend.Category.TRAVEL,
        amount="12.50",
        description="Train",
        spent_on=timezone.localdate(),
        recorded_by=lead,
    )
    LogEntry.objects.create(
        user=lead,
        content_type=ContentType.objects.get_for_model(WorkGroup),
        object_id=str(closed.pk),
        object_repr=str(closed),
        action_flag=ADDITION,
        change_message="[]",
    )


def test_an_address_added_but_not_verified_brings_nobody_elses_records(client, ada, grace):
    """Anyone can add any address unverified: it must not reach its owner's records."""
    for address in [ada.teacher.email, f"home.{ada.teacher.email}"]:
        EmailAddress.objects.create(user=grace.teacher, email=address, verified=False)
    adas_records = Subscriber.objects.filter(email__iexact=f"home.{ada.teacher.email}")
    adas_emails = Email.objects.filter(to=ada.teacher.email)
    before = (adas_records.count(), list(adas_emails.values_list("pk", "to", "body_text")))

    text = login(client, grace.teacher).get(DOWNLOAD).content.decode()
    for theirs in ["News for Ada", "Gap task for Ada", "Fractions for Ada"]:
        assert theirs not in text

    account_delete(user_id=grace.teacher.pk)
    assert (adas_records.count(), list(adas_emails.values_list("pk", "to", "body_text"))) == before


def test_a_hub_teams_work_is_in_its_members_export(client, hub, hub_lead, ada):
    """The links from hub records to whoever made them: changes, attendance, evaluations..."""
    add_team_work(hub, hub_lead)

    work = download(login(client, hub_lead))
    team = work["hub_team_work"]
    assert {c["action"] for c in team["changes"]} >= {"attendance.record", "evaluation.save"}
    assert team["attendance_recorded"][0]["records"] == 1
    assert [e["outcomes"] for e in team["evaluations_written"]] == ["Better"]
    assert [m["subject"] for m in team["participant_messages_sent"]] == ["Gap task for Ada"]
    assert team["newsletter_issues"][0]["sent_by_you"] is True
    assert sorted(f["kind"] for f in team["funding_records"]) == ["allocation", "spending"]
    assert work["admin_changes"][0]["record"].endswith("Closed group")
    assert [m["hub"] for m in work["hub_memberships"]] == [hub.name]


def test_every_link_to_a_user_is_exported_or_explained(client, hub, hub_lead, ada):
    """Every foreign key or many-to-many to User, in every installed app, is in the
    export's list, and each listed section really has the record.

    This walks every model's fields rather than ``User._meta.related_objects``,
    which leaves out the links declared with ``related_name="+"``.
    """
    links = {
        relation_label(field)
        for model in apps.get_models()
        if model is not User
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model is User
    }
    listed = user_relations()
    assert links - set(listed) == set(), (
        "A model links to the user but accounts/data.py does not say how the export "
        "covers it: add it to USER_RELATIONS."
    )
    assert set(listed) - links == set(), "USER_RELATIONS lists a link that no longer exists."

    # Each listed section is filled for someone who has the records.
    add_team_work(hub, hub_lead)
    exports = [download(login(Client(), ada.teacher)), download(login(Client(), hub_lead))]
    for label, (path, on_delete) in listed.items():
        assert on_delete, label
        assert any(section(data, path) for data in exports), f"{label}: {path} is empty"


def test_every_email_field_is_matched_or_explained(db):
    fields = {
        relation_label(field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.EmailField)
    }
    assert fields == set(EMAIL_FIELDS)


def test_the_export_costs_the_same_queries_however_many_records(
    hub, hub_lead, ada, django_assert_num_queries
):
    # Queries: 1 the user with school, 2 e-mail addresses, 3 phases, 4 groups,
    # 5 permissions, 6-7 enrolments and their attendance, 8 showcase
    # registrations, 9-10 subscribers and their deliveries, 11 nominations,
    # 12 memberships, 13 leadership team, 14 Work Groups led, 15 project
    # participations, 16 e-mails, 17 participant messages received,
    # 18 allocations, 19 spending, 20 changes, 21 attendance recorded,
    # 22 evaluations, 23 messages sent, 24 newsletter issues, 25 admin log,
    # 26 authenticators.
    with django_assert_num_queries(26):
        user_data(ada.teacher)

    # Five more Work Groups with attendance, and more e-mails and messages.
    for n in range(5):
        group = make_workgroup(hub, title=f"More {n}")
        session = make_session(group, 1, timezone.now() - timedelta(days=n + 1))
        enrolment = enrolment_join(workgroup_id=group.pk, teacher=ada.teacher)
        attendance_record(session=session, present_ids={enrolment.pk}, user=hub_lead)
        participants_message_send(
            workgroup_id=group.pk, subject=f"S{n}", body="B", include_waiting=False, user=hub_lead
        )
    with django_assert_num_queries(26):
        data = user_data(ada.teacher)
    assert len(data["enrolments"]) == 7
    assert len(data["participant_messages_received"]) == 6


def test_a_new_account_with_nothing_yet_exports_cleanly(client, db):
    newcomer = User.objects.create_user("new@example.org", PASSWORD)

    data = download(login(client, newcomer))

    assert data["account"]["email"] == "new@example.org"
    assert data["enrolments"] == []
    assert data["leadership_team"] == []
    assert data["records_naming_you"]["work_groups_led"] == []


def test_your_data_pages_need_a_login(client, db):
    for url in [DATA, DOWNLOAD, DELETE]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN}?next=")
    assert client.post(DELETE, {"password": PASSWORD}).status_code == 302


def test_the_data_page_links_to_the_download_and_to_deletion(client, ada):
    response = login(client, ada.teacher).get(DATA)
    assert response.status_code == 200
    text = page_text(response)
    assert f'href="{DOWNLOAD}"' in text
    assert f'href="{DELETE}"' in text
    profile = page_text(client.get(reverse("accounts:profile")))
    assert f'href="{DATA}"' in profile


# --- Deleting the account ---------------------------------------------------------------


def report_figures(year: int) -> dict:
    """Every figure of the national report, its regions and hubs, with and without a phase."""
    figures = {}
    for phase in ["", "primary"]:
        filters = Filters(year=year, phase=phase)
        report = network_report(filters, scoped_hubs(filters, STAFF), totals=True, regions=True)
        figures[phase] = {
            "total": asdict(report.total),
            "regions": [asdict(r.figures) for r in report.regions],
            "hubs": {row.hub.slug: asdict(row.figures) for row in report.rows},
        }
    return figures


def test_a_wrong_password_deletes_nothing(client, ada):
    login(client, ada.teacher)
    before = User.objects.filter(pk=ada.teacher.pk).values().get()
    emails = list(Email.objects.order_by("pk").values())

    response = client.post(DELETE, {"password": "not-my-password"})

    assert response.status_code == 200
    assert "That is not your password" in page_text(response)
    assert User.objects.filter(pk=ada.teacher.pk).values().get() == before
    assert EmailAddress.objects.filter(user=ada.teacher).count() == 2
    assert list(Email.objects.order_by("pk").values()) == emails
    ada.upcoming.refresh_from_db()
    assert ada.upcoming.status == Enrolment.Status.CONFIRMED
    assert client.get(reverse("accounts:profile")).status_code == 200  # still logged in


def test_deletion_anonymises_the_account_and_the_reports_count_the_same(
    client, hub, hub_lead, ada, grace
):
    # What the reports count: places in groups that have begun, with attendance.
    # (The place still to come is given up, so it is taken out before comparing.)
    Enrolment.objects.filter(pk=ada.upcoming.pk).delete()
    WorkGroup.objects.filter(pk=ada.future.pk).update(places_taken=0)
    enrolments_complete(workgroup_id=ada.past.pk, enrolment_ids={ada.held.pk}, user=hub_lead)
    year = current_academic_year()
    before = report_figures(year)
    assert before[""]["total"]["teachers"] == 2
    assert before["primary"]["total"]["completed"] == 1
    group_before = asdict(workgroup_report(ada.past))
    teacher = ada.teacher
    other_session = Client()
    login(other_session, teacher)

    response = login(client, teacher).post(DELETE, {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == DELETED
    assert report_figures(year) == before
    assert asdict(workgroup_report(ada.past)) == group_before

    teacher.refresh_from_db()
    assert teacher.email == f"deleted-{teacher.pk}@deleted-account.invalid"
    assert (teacher.full_name, teacher.job_role) == ("", "")
    assert not teacher.has_usable_password()
    assert not teacher.is_active
    assert teacher.deleted_at is not None
    assert str(teacher) == DELETED_ACCOUNT
    assert not teacher.phases.exists()
    assert teacher.school is not None  # the school's engagement, not the person
    assert not EmailAddress.objects.filter(user=teacher).exists()
    assert not teacher.authenticator_set.exists()
    # Past place and attendance stay; the enrolment's school too.
    ada.held.refresh_from_db()
    assert ada.held.status == Enrolment.Status.COMPLETED
    assert ada.held.school_id
    assert Attendance.objects.filter(enrolment=ada.held, present=True).exists()

    # Logged out here and on the other device: no session of theirs is left.
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert other_session.get(reverse("accounts:profile")).status_code == 302
    assert not [
        s
        for s in WebSession.objects.all()
        if s.get_decoded().get("_auth_user_id") == str(teacher.pk)
    ]
    assert "Your account has been deleted" in page_text(client.get(DELETED))

    # Nothing anywhere still carries the address or the name.
    for address in ["ada@example.org", "home.ada@example.org"]:
        assert not Email.objects.filter(to__iexact=address).exists()
        assert not Subscriber.objects.filter(email__iexact=address).exists()
        assert not ExchangeTeacher.objects.filter(email__iexact=address).exists()
        assert not AuditEntry.objects.filter(object_repr__icontains=address).exists()
        assert not AuditEntry.objects.filter(after__icontains=address).exists()
    assert not ExchangeTeacher.objects.filter(teacher_name__icontains="Lovelace").exists()
    ada.nomination.refresh_from_db()
    assert ada.nomination.teacher_name == f"{DELETED_ACCOUNT} {ada.nomination.pk}"
    # Sent e-mails keep their event key (never mailed twice), not address or body.
    sent = Email.objects.filter(to=teacher.email)
    assert sent.exists()
    assert set(sent.values_list("status", flat=True)) == {Email.Status.SENT}
    assert set(sent.values_list("body_text", "body_html")) == {("", "")}

    # Grace is untouched.
    grace.teacher.refresh_from_db()
    assert grace.teacher.is_active
    assert grace.teacher.full_name == "Grace Hopper"
    assert Subscriber.objects.filter(email__iexact="home.grace@example.org").exists()
    assert Email.objects.filter(to="grace@example.org").exists()


def test_a_future_place_goes_to_the_first_teacher_waiting(
    client, hub, ada, django_capture_on_commit_callbacks
):
    WorkGroup.objects.filter(pk=ada.future.pk).update(capacity=1)
    first, second = (
        make_person("first@example.org", "Fay First"),
        make_person("second@example.org", "Sid Second"),
    )
    waiting = [enrolment_join(workgroup_id=ada.future.pk, teacher=t) for t in (first, second)]
    assert [e.status for e in waiting] == ["waiting", "waiting"]

    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, ada.teacher).post(DELETE, {"password": PASSWORD})
    assert response.status_code == 302

    ada.upcoming.refresh_from_db()
    assert ada.upcoming.status == Enrolment.Status.WITHDRAWN
    for enrolment in waiting:
        enrolment.refresh_from_db()
    assert [e.status for e in waiting] == ["confirmed", "waiting"]
    ada.future.refresh_from_db()
    assert ada.future.places_taken == 1
    assert Email.objects.filter(key=f"enrolment:{waiting[0].pk}:promoted").exists()
    # The deleted teacher is sent nothing about it.
    assert not Email.objects.filter(key=f"enrolment:{ada.upcoming.pk}:withdrawn").exists()
    # The place at the showcase still to come is free again.
    ada.registration.refresh_from_db()
    assert ada.registration.status == ObserverRegistration.Status.CANCELLED
    ada.showcase.refresh_from_db()
    assert ada.showcase.places_taken == 0
    # The hub's change history says what happened, without the name.
    entry = AuditEntry.objects.get(action="enrolment.release", object_id=str(ada.upcoming.pk))
    assert entry.hub == hub
    assert entry.object_repr.startswith(DELETED_ACCOUNT)
    assert entry.after["promoted_enrolment"] == waiting[0].pk
    assert AuditEntry.objects.filter(action="observer.release").exists()


def test_the_hub_sees_a_deleted_account_in_its_participant_list(lead_client, hub, ada):
    account_delete(user_id=ada.teacher.pk)

    url = reverse("manage-workgroups:detail", args=[hub.slug, ada.past.pk])
    text = page_text(lead_client.get(url))
    assert "Deleted account" in text
    assert "None (account deleted)" in text
    assert "ada@example.org" not in text
    assert "Lovelace" not in text
    csv = lead_client.get(reverse("manage-workgroups:export", args=[hub.slug, ada.past.pk]))
    assert "Deleted account" in csv.content.decode()
    assert "deleted-account.invalid" not in csv.content.decode()


def test_login_is_refused_and_the_address_can_sign_up_again(client, ada):
    account_delete(user_id=ada.teacher.pk)

    response = client.post(LOGIN, {"login": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert not client.login(email=ada.teacher.email, password=PASSWORD)

    response = client.post(
        SIGNUP, {"email": "ada@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    fresh = User.objects.get(email="ada@example.org")
    assert fresh.pk != ada.teacher.pk
    assert fresh.full_name == ""
    assert not fresh.enrolments.exists()
    assert EmailAddress.objects.get(email="ada@example.org").user == fresh


@pytest.mark.parametrize("persona", ["hub_member", "ncetm_staff"])
def test_someone_with_a_role_is_asked_to_hand_it_over_first(client, db, persona, request):
    person = request.getfixturevalue(persona)
    person.set_password(PASSWORD)
    person.save(update_fields=["password"])
    login(client, person)

    page = page_text(client.get(DELETE))
    assert "Hand over your roles first" in page
    assert 'name="password"' not in page
    client.post(DELETE, {"password": PASSWORD})
    person.refresh_from_db()
    assert person.is_active
    assert person.deleted_at is None
    with pytest.raises(AccountDeletionRefused):
        account_delete(user_id=person.pk)


def test_a_leadership_team_listing_with_their_address_is_a_role_too(client, hub, ada):
    LeadershipTeamMember.objects.create(
        hub=hub, name="Ada Lovelace", role="maths_lead", email="HOME.ada@example.org"
    )
    page = page_text(login(client, ada.teacher).get(DELETE))
    assert "leadership team of Archimedes" in page
    with pytest.raises(AccountDeletionRefused):
        account_delete(user_id=ada.teacher.pk)


def test_a_former_team_members_writing_stays_with_the_hub(hub, hub_member, ada):
    """Evaluations and messages describe the hub's Work Groups: they stay, by "Deleted account"."""
    participants_message_send(
        workgroup_id=ada.past.pk,
        subject="From Mo",
        body="See you",
        include_waiting=False,
        user=hub_member,
    )
    HubMembership.objects.filter(user=hub_member).delete()

    account_delete(user_id=hub_member.pk)

    message = ada.past.messages.get(subject="From Mo")
    assert message.body == "See you"
    assert message.sent_by.get_full_name() == DELETED_ACCOUNT


def test_the_confirmation_page_says_which_places_are_given_up(client, ada):
    text = page_text(login(client, ada.teacher).get(DELETE))
    assert "Places you give up" in text
    assert "Fractions for Ada" in text
    assert "Year 4 with Ada" in text
    assert "Reasoning with Ada" not in text  # begun: it stays
    assert 'autocomplete="current-password"' in text
    assert '<label for="id_password">' in text


def test_password_guesses_are_rate_limited(client, ada):
    login(client, ada.teacher)
    statuses = [client.post(DELETE, {"password": f"guess-{n}"}).status_code for n in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    response = client.post(DELETE, {"password": PASSWORD})
    assert response.status_code == 429
    ada.teacher.refresh_from_db()
    assert ada.teacher.deleted_at is None


def test_an_account_is_deleted_once(ada):
    account_delete(user_id=ada.teacher.pk)
    with pytest.raises(AccountDeletionRefused):
        account_delete(user_id=ada.teacher.pk)
    assert re.fullmatch(
        r"deleted-\d+@deleted-account\.invalid", User.objects.get(pk=ada.teacher.pk).email
    )
