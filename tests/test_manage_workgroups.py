"""The hub team runs its Work Groups: create, publish, close, sessions, places,
attendance, completion, the CSV export, e-mail to participants, the evaluation."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hubs.models import AuditEntry, Hub
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from notifications.models import Email
from tests.factories import make_school, make_session, make_teacher, make_workgroup, phase
from tests.helpers import page_text
from workgroups.models import (
    Attendance,
    Enrolment,
    Evaluation,
    ParticipantMessage,
    Session,
    WorkGroup,
)
from workgroups.services import WorkGroupChangeRefused, workgroup_set_capacity

LONDON = ZoneInfo("Europe/London")
with_worker = pytest.mark.django_db(transaction=True)


def url(name: str, workgroup: WorkGroup, *more) -> str:
    return reverse(f"manage-workgroups:{name}", args=[workgroup.hub.slug, workgroup.pk, *more])


def enrol(workgroup: WorkGroup, status: str, *, name: str = "", school=None, **extra) -> Enrolment:
    """An enrolment made directly, in arrival order; keeps places_taken in step."""
    teacher = make_teacher(school=school)
    if name:
        teacher.full_name = name
        teacher.save(update_fields=["full_name"])
    enrolment = Enrolment.objects.create(
        workgroup=workgroup,
        teacher=teacher,
        school=teacher.school,
        status=status,
        requested_at=extra.pop("requested_at", timezone.now()),
        **extra,
    )
    if status in Enrolment.HOLDS_PLACE:
        workgroup.places_taken += 1
        WorkGroup.objects.filter(pk=workgroup.pk).update(places_taken=workgroup.places_taken)
    return enrolment


def audit_actions(hub: Hub) -> list[str]:
    return list(AuditEntry.objects.filter(hub=hub).order_by("pk").values_list("action", flat=True))


@pytest.fixture
def workgroup(hub):
    group = make_workgroup(hub, title="Mastering Number at Key Stage 1", capacity=3)
    make_session(group, 1, timezone.now() + timedelta(days=10))
    return group


@pytest.fixture
def member_client(client, hub_member):
    client.force_login(hub_member)
    return client


def workgroup_data(**changes) -> dict:
    data = {
        "title": "Reasoning in Year 5",
        "programme": "",
        "local_need": "Schools in Darlington asked for help with reasoning.",
        "phases": [phase("primary").pk],
        "audience": "teachers",
        "description": "Four sessions on reasoning, with tasks to try in class between them.",
        "delivery": "in_person",
        "academic_year": current_academic_year(),
        "capacity": "20",
        "eligibility": "",
        "application_deadline": "",
        "cost": "0",
        "lead_name": "",
    }
    data.update(changes)
    return data


# --- Creating, publishing, closing ------------------------------------------


def test_a_member_creates_a_draft_with_a_unique_slug_and_it_is_audited(member_client, hub):
    create = reverse("manage-workgroups:create", args=[hub.slug])

    first = member_client.post(create, workgroup_data())
    second = member_client.post(create, workgroup_data())

    one, two = WorkGroup.objects.filter(hub=hub).order_by("pk")
    assert first.status_code == 302
    assert first["Location"] == url("detail", one)
    assert second["Location"] == url("detail", two)
    label = academic_year_label(current_academic_year())
    assert one.slug == f"reasoning-in-year-5-archimedes-ne-{label}"
    assert two.slug == f"{one.slug}-2"
    assert one.status == WorkGroup.Status.DRAFT
    assert list(one.phases.values_list("code", flat=True)) == ["primary"]
    entry = AuditEntry.objects.filter(hub=hub, action="workgroup.create").first()
    assert entry.user.email == "member@archimedes.example.org"
    assert entry.after["title"] == "Reasoning in Year 5"
    assert audit_actions(hub) == ["workgroup.create", "workgroup.create"]


def test_a_work_group_needs_a_programme_or_a_local_need(lead_client, hub):
    response = lead_client.post(
        reverse("manage-workgroups:create", args=[hub.slug]), workgroup_data(local_need="  ")
    )

    assert response.status_code == 200
    assert not WorkGroup.objects.exists()
    message = "Choose the national programme it follows, or describe the local need it answers."
    assert response.context["form"].errors == {"programme": [message]}
    html = response.content.decode()
    # In the summary, linked to the field, and beside the field, tied to it.
    assert '<a href="#id_programme">' in html
    assert f'id="id_programme_error"><span class="visually-hidden">Error:</span> {message}' in html
    assert 'aria-describedby="id_programme_helptext id_programme_error"' in html
    assert page_text(response).startswith("<!DOCTYPE html>")
    assert "<title>Error: Add a Work Group" in html


def test_publish_then_close_each_once_and_audited(lead_client, hub):
    draft = make_workgroup(hub, status=WorkGroup.Status.DRAFT)

    response = lead_client.post(url("publish", draft))
    assert response["Location"] == url("detail", draft)
    draft.refresh_from_db()
    assert draft.status == WorkGroup.Status.OPEN

    again = lead_client.post(url("publish", draft), follow=True)
    assert "Only a draft Work Group can be published." in page_text(again)

    closed = lead_client.post(url("close", draft))
    assert closed["Location"] == url("evaluation", draft)
    draft.refresh_from_db()
    assert draft.status == WorkGroup.Status.CLOSED
    entries = AuditEntry.objects.filter(hub=hub).order_by("pk")
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("workgroup.publish", {"status": "draft"}, {"status": "open"}),
        ("workgroup.close", {"status": "open"}, {"status": "closed"}),
    ]


def test_editing_keeps_the_slug_and_places_and_records_before_and_after(lead_client, workgroup):
    data = workgroup_data(title="Mastering Number: Year 1")
    data.pop("capacity")
    response = lead_client.post(url("edit", workgroup), data)

    assert response.status_code == 302
    old_slug = workgroup.slug
    workgroup.refresh_from_db()
    assert workgroup.title == "Mastering Number: Year 1"
    assert workgroup.slug == old_slug
    assert workgroup.capacity == 3
    entry = AuditEntry.objects.get(action="workgroup.update")
    assert entry.before["title"] == "Mastering Number at Key Stage 1"
    assert entry.after["title"] == "Mastering Number: Year 1"


# --- Sessions ---------------------------------------------------------------


def session_data(**changes) -> dict:
    data = {
        "order": "2",
        "starts_at": "2026-11-05T16:00",
        "ends_at": "2026-11-05T18:00",
        "venue_name": "Carmel College",
        "venue_address": "Darlington DL3 8RW",
        "gap_task": "Try a bar model with one class.",
    }
    data.update(changes)
    return data


def test_a_session_is_added_in_uk_time_and_audited(lead_client, workgroup):
    response = lead_client.post(url("session-create", workgroup), session_data())

    assert response["Location"] == url("detail", workgroup) + "#sessions"
    session = workgroup.sessions.get(order=2)
    assert session.starts_at == datetime(2026, 11, 5, 16, 0, tzinfo=LONDON)
    assert not session.is_online
    entry = AuditEntry.objects.get(action="session.create")
    assert entry.after["venue_name"] == "Carmel College"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "2026-11-05T15:00"}, "ends_at", "The session must end after it starts."),
        ({"ends_at": "2026-11-05T16:00"}, "ends_at", "The session must end after it starts."),
        (
            {"order": "1"},
            "order",
            "This Work Group already has a session 1. Choose another number.",
        ),
        ({"starts_at": "5 November"}, "starts_at", "Enter a real date and time, for example"),
        ({"order": "0"}, "order", "Number the sessions from 1."),
    ],
)
def test_a_session_that_does_not_make_sense_is_refused_beside_the_field(
    lead_client, workgroup, changes, field, message
):
    response = lead_client.post(url("session-create", workgroup), session_data(**changes))

    assert response.status_code == 200
    assert workgroup.sessions.count() == 1
    [error] = response.context["form"].errors[field]
    assert error.startswith(message)
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_session_is_changed_and_deleted_unless_attendance_is_recorded(lead_client, workgroup):
    session = workgroup.sessions.get()
    response = lead_client.post(
        url("session-edit", workgroup, session.pk),
        session_data(order="1", venue_name="", venue_address="", is_online="on"),
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_online
    assert session.where == "Online"

    second = make_session(workgroup, 2, timezone.now() + timedelta(days=40))
    Attendance.objects.create(
        session=session, enrolment=enrol(workgroup, "confirmed"), present=True
    )
    refused = lead_client.post(url("session-delete", workgroup, session.pk), follow=True)
    assert "Attendance has been recorded for session 1, so it cannot be deleted." in page_text(
        refused
    )
    assert lead_client.get(url("session-delete", workgroup, second.pk)).status_code == 200
    lead_client.post(url("session-delete", workgroup, second.pk))

    assert list(workgroup.sessions.values_list("order", flat=True)) == [1]
    assert audit_actions(workgroup.hub) == ["session.update", "session.delete"]


def test_sessions_are_fetched_through_their_work_group(lead_client, hub, workgroup):
    elsewhere = make_workgroup(Hub.objects.get(slug="north-west-one"))
    foreign = make_session(elsewhere, 1, timezone.now() + timedelta(days=3))

    assert lead_client.get(url("session-edit", workgroup, foreign.pk)).status_code == 404
    assert lead_client.get(url("attendance", workgroup, foreign.pk)).status_code == 404
    other_hubs_group = reverse("manage-workgroups:detail", args=[hub.slug, elsewhere.pk])
    assert lead_client.get(other_hubs_group).status_code == 404


# --- Places -----------------------------------------------------------------


def test_raising_places_promotes_the_waiting_list_in_order_and_emails_them(
    lead_client, hub, django_capture_on_commit_callbacks
):
    group = make_workgroup(hub, capacity=2)
    enrol(group, "confirmed")
    enrol(group, "confirmed")
    start = timezone.now() - timedelta(hours=1)
    first, second, third = (
        enrol(group, "waiting", requested_at=start + timedelta(minutes=n)) for n in range(3)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(url("places", group), {"capacity": "4"})

    assert response["Location"] == url("detail", group) + "#places"
    group.refresh_from_db()
    assert (group.capacity, group.places_taken) == (4, 4)
    statuses = {e.pk: e.status for e in group.enrolments.all()}
    assert [statuses[e.pk] for e in (first, second, third)] == ["confirmed", "confirmed", "waiting"]
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        (e.teacher.email, f"A place has come up for you on {group.title}") for e in (first, second)
    )
    assert set(Email.objects.values_list("key", flat=True)) == {
        f"enrolment:{first.pk}:promoted",
        f"enrolment:{second.pk}:promoted",
    }
    entry = AuditEntry.objects.get(action="workgroup.places")
    assert entry.before == {"capacity": 2, "places_taken": 2}
    assert entry.after == {
        "capacity": 4,
        "places_taken": 4,
        "promoted_enrolments": [first.pk, second.pk],
    }
    followed = lead_client.get(url("detail", group))
    assert "2 teachers were given a place from the waiting list" in page_text(followed)


def test_fewer_places_than_teachers_holding_one_is_refused_and_nothing_changes(
    lead_client, workgroup, django_capture_on_commit_callbacks
):
    enrol(workgroup, "confirmed")
    enrol(workgroup, "completed")
    enrol(workgroup, "waiting")

    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(url("places", workgroup), {"capacity": "1"})

    assert response.status_code == 200
    message = "2 teachers already have places; you cannot offer fewer than 2."
    assert response.context["places_form"].errors == {"capacity": [message]}
    assert 'id="id_capacity_error"' in response.content.decode()
    workgroup.refresh_from_db()
    assert (workgroup.capacity, workgroup.places_taken) == (3, 2)
    assert not AuditEntry.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("holding", "message"),
    [
        (1, "1 teacher already has a place; you cannot offer fewer than 1."),
        (12, "12 teachers already have places; you cannot offer fewer than 12."),
    ],
)
def test_the_refusal_counts_the_places_held(hub, hub_lead, holding, message):
    group = make_workgroup(hub, capacity=15)
    for _ in range(holding):
        enrol(group, "confirmed")
    with pytest.raises(WorkGroupChangeRefused) as refusal:
        workgroup_set_capacity(workgroup_id=group.pk, capacity=holding - 1 or 0, user=hub_lead)
    assert str(refusal.value) == message


# --- Attendance and completion ----------------------------------------------


def test_attendance_is_saved_for_every_participant_and_saved_again_without_duplicates(
    lead_client, workgroup
):
    session = workgroup.sessions.get()
    ana = enrol(workgroup, "confirmed", name="Ana Able")
    ben = enrol(workgroup, "completed", name="Ben Brown")
    cat = enrol(workgroup, "confirmed", name="Cat Cole")
    waiting = enrol(workgroup, "waiting", name="Will Wait")
    page = lead_client.get(url("attendance", workgroup, session.pk))
    assert [row["enrolment"] for row in page.context["rows"]] == [ana, ben, cat]

    lead_client.post(url("attendance", workgroup, session.pk), {"enrolments": [ana.pk, ben.pk]})
    response = lead_client.post(url("attendance", workgroup, session.pk), {"enrolments": [cat.pk]})

    assert response["Location"] == url("detail", workgroup) + "#sessions"
    recorded = dict(Attendance.objects.values_list("enrolment_id", "present"))
    assert recorded == {ana.pk: False, ben.pk: False, cat.pk: True}
    entries = AuditEntry.objects.filter(action="attendance.record").order_by("pk")
    assert [(e.before, e.after) for e in entries] == [
        (None, {"present": [ana.pk, ben.pk], "absent": [cat.pk]}),
        (
            {"present": [ana.pk, ben.pk], "absent": [cat.pk]},
            {"present": [cat.pk], "absent": [ana.pk, ben.pk]},
        ),
    ]
    again = lead_client.get(url("attendance", workgroup, session.pk))
    assert f'value="{cat.pk}" id="id_enrolments_2" checked' in again.content.decode()

    # Someone without a place cannot be ticked.
    refused = lead_client.post(
        url("attendance", workgroup, session.pk), {"enrolments": [waiting.pk]}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors == {"enrolments": ["Tick only teachers on the list."]}
    assert Attendance.objects.count() == 3


def test_completion_marks_confirmed_teachers_who_keep_their_places(lead_client, workgroup):
    done = enrol(workgroup, "confirmed", name="Ana Able")
    not_yet = enrol(workgroup, "confirmed", name="Ben Brown")

    response = lead_client.post(url("completion", workgroup), {"enrolments": [done.pk]})

    assert response["Location"] == url("detail", workgroup) + "#participants"
    done.refresh_from_db()
    not_yet.refresh_from_db()
    assert done.status == Enrolment.Status.COMPLETED
    assert done.completed_at is not None
    assert not_yet.status == Enrolment.Status.CONFIRMED
    workgroup.refresh_from_db()
    assert workgroup.places_taken == 2
    entry = AuditEntry.objects.get(action="enrolment.complete")
    assert (entry.object_id, entry.before, entry.after["status"]) == (
        str(done.pk),
        {"status": "confirmed"},
        "completed",
    )

    nothing = lead_client.post(url("completion", workgroup), {})
    assert nothing.status_code == 200
    assert nothing.context["completion_form"].errors == {
        "enrolments": ["Tick the teachers who have completed the Work Group."]
    }
    assert '<a href="#id_enrolments_0">' in nothing.content.decode()


# --- The CSV export -----------------------------------------------------------


def test_the_export_has_a_row_per_participant_and_a_column_per_session(lead_client, hub):
    group = make_workgroup(hub, title="Fractions", slug="fractions-2026")
    one = make_session(group, 1, datetime(2026, 10, 6, 16, 0, tzinfo=LONDON))
    make_session(group, 2, datetime(2026, 11, 10, 16, 0, tzinfo=LONDON))
    school = make_school(name="Dene Academy", urn=900001)
    ana = enrol(group, "completed", name="Ana Able", school=school)
    sneaky = enrol(
        group,
        "confirmed",
        name='=HYPERLINK("http://x")',
        school=make_school(name="+Evil", urn=900002),
    )
    enrol(group, "waiting", name="Will Wait")
    Attendance.objects.create(session=one, enrolment=ana, present=True)
    Attendance.objects.create(session=one, enrolment=sneaky, present=False)

    response = lead_client.get(url("export", group))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="fractions-2026-participants-{today}.csv"'
    )
    assert response.content.decode("utf-8") == (
        "\ufeffName,E-mail,School,URN,Status,Session 1 (6 Oct 2026),Session 2 (10 Nov 2026),"
        "Sessions attended\r\n"
        # Sorted by name: "=" comes before "A".
        f'"\'=HYPERLINK(""http://x"")",{sneaky.teacher.email},\'+Evil,900002,'
        "Place confirmed,absent,,0\r\n"
        f"Ana Able,{ana.teacher.email},Dene Academy,900001,Completed,present,,1\r\n"
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_cell_that_a_spreadsheet_would_run_is_defused(lead_client, workgroup, start):
    typed = f"{start}SUM(A1)"
    enrol(workgroup, "confirmed", name=typed, school=make_school(name=typed, urn=900003))

    response = lead_client.get(url("export", workgroup))

    [_heading, row] = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert row[0] == row[2] == f"'{typed}"
    assert row[3] == "900003"


# --- E-mail to participants -------------------------------------------------


def test_each_participant_gets_exactly_one_email(
    lead_client, workgroup, django_capture_on_commit_callbacks
):
    holding = [enrol(workgroup, "confirmed"), enrol(workgroup, "completed")]
    waiting = enrol(workgroup, "waiting")
    enrol(workgroup, "withdrawn")
    data = {"subject": "Room change\r\nBcc: x@example.org", "body": "We meet in room 4 on Tuesday."}

    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(url("message", workgroup), data)

    assert response["Location"] == url("detail", workgroup) + "#messages"
    message = ParticipantMessage.objects.get()
    assert message.subject == "Room change Bcc: x@example.org"
    assert message.recipient_count == 2
    assert sorted(Email.objects.values_list("key", flat=True)) == sorted(
        f"message:{message.pk}:{e.pk}" for e in holding
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.teacher.email for e in holding)
    assert {m.subject for m in mail.outbox} == {"Room change Bcc: x@example.org"}
    assert "We meet in room 4 on Tuesday." in mail.outbox[0].body
    assert AuditEntry.objects.get(action="workgroup.message").after["recipients"] == sorted(
        e.pk for e in holding
    )

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(url("message", workgroup), {**data, "include_waiting": "on"})
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        e.teacher.email for e in [*holding, waiting]
    )
    assert "you are on its waiting list" in next(
        m.body for m in mail.outbox if m.to == [waiting.teacher.email]
    )


def test_a_message_needs_a_subject_and_a_body(lead_client, workgroup):
    response = lead_client.post(url("message", workgroup), {"subject": "", "body": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "subject": ["Enter a subject."],
        "body": ["Enter your message."],
    }
    assert not ParticipantMessage.objects.exists()


@with_worker
def test_the_message_goes_out_through_the_worker_once_each(
    celery_worker, wait_until, client, hub, hub_lead
):
    workgroup = make_workgroup(hub)
    teachers = [enrol(workgroup, "confirmed").teacher for _ in range(3)]
    client.force_login(hub_lead)

    client.post(url("message", workgroup), {"subject": "Session 2", "body": "See you soon."})

    sent = wait_until(
        lambda: (rows := list(Email.objects.filter(status=Email.Status.SENT))) and len(rows) == 3
    )
    assert sent
    wait_until(lambda: len(mail.outbox) == 3)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(t.email for t in teachers)
    assert set(Email.objects.values_list("attempts", flat=True)) == {1}
    assert list(celery_worker.runs.values()) == [["SUCCESS"]] * 3


# --- The evaluation -----------------------------------------------------------


def test_the_evaluation_is_written_once_closed_with_the_number_completed(lead_client, workgroup):
    enrol(workgroup, "completed")
    enrol(workgroup, "completed")
    enrol(workgroup, "confirmed")

    early = lead_client.get(url("evaluation", workgroup), follow=True)
    assert "Close the Work Group before you write its evaluation." in page_text(early)

    WorkGroup.objects.filter(pk=workgroup.pk).update(status=WorkGroup.Status.CLOSED)
    page = lead_client.get(url("evaluation", workgroup))
    assert "2 of the 3 teachers with a place have completed the Work Group." in page_text(page)
    response = lead_client.post(
        url("evaluation", workgroup),
        {"outcomes": "Teachers used bar models.", "impact_notes": "Pupils explain more."},
    )

    assert response["Location"] == url("detail", workgroup) + "#evaluation"
    evaluation = Evaluation.objects.get(workgroup=workgroup)
    assert (evaluation.completed_count, evaluation.outcomes) == (2, "Teachers used bar models.")
    entry = AuditEntry.objects.get(action="evaluation.save")
    assert entry.after == {
        "outcomes": "Teachers used bar models.",
        "impact_notes": "Pupils explain more.",
        "completed_count": 2,
    }
    missing = lead_client.post(url("evaluation", workgroup), {"outcomes": "", "impact_notes": ""})
    assert missing.context["form"].errors == {
        "outcomes": ["Describe the outcomes."],
        "impact_notes": ["Describe the impact."],
    }


# --- Who may do what ----------------------------------------------------------


def test_the_team_reads_and_changes_outsiders_get_404_ncetm_staff_only_read(
    client, workgroup, hub_lead, hub_member, other_hub_lead, ncetm_staff
):
    pages = [
        reverse("manage-workgroups:list", args=[workgroup.hub.slug]),
        url("detail", workgroup),
        url("export", workgroup),
        url("attendance", workgroup, workgroup.sessions.get().pk),
    ]
    for user, expected in [
        (hub_lead, 200),
        (hub_member, 200),
        (ncetm_staff, 200),
        (other_hub_lead, 404),
    ]:
        client.force_login(user)
        for page in pages:
            assert client.get(page).status_code == expected, (user.email, page)

    client.force_login(ncetm_staff)
    detail = client.get(url("detail", workgroup))
    assert "Change the number of places" not in page_text(detail)
    assert client.post(url("places", workgroup), {"capacity": "9"}).status_code == 404
    assert client.post(url("close", workgroup)).status_code == 404
    client.force_login(other_hub_lead)
    assert client.post(url("close", workgroup)).status_code == 404
    workgroup.refresh_from_db()
    assert (workgroup.capacity, workgroup.status) == (3, WorkGroup.Status.OPEN)

    client.force_login(hub_member)
    assert client.post(url("places", workgroup), {"capacity": "9"}).status_code == 302
    client.logout()
    anonymous = client.get(url("detail", workgroup))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))


# --- Fixed numbers of queries -----------------------------------------------


def test_the_list_runs_a_fixed_number_of_queries(lead_client, hub, django_assert_num_queries):
    for n in range(4):
        group = make_workgroup(hub, capacity=1)
        make_session(group, 1, timezone.now() + timedelta(days=n + 1))
        enrol(group, "confirmed")
        enrol(group, "waiting")
        enrol(group, "waiting")
    make_workgroup(hub, academic_year=current_academic_year() - 1, title="Last year's")
    lead_client.get(reverse("manage-workgroups:list", args=[hub.slug]))  # warm the session

    # Session, user, the two-factor check, hub, membership, the hub's years,
    # the Work Groups with their programmes and waiting counts.
    with django_assert_num_queries(7):
        response = lead_client.get(reverse("manage-workgroups:list", args=[hub.slug]))

    rows = [(g.places_taken, g.capacity, g.waiting_count) for g in response.context["workgroups"]]
    assert rows == [(1, 1, 2)] * 4
    assert "Last year&#x27;s" not in response.content.decode()
    last_year = lead_client.get(
        reverse("manage-workgroups:list", args=[hub.slug]),
        {"year": current_academic_year() - 1},
    )
    assert [g.title for g in last_year.context["workgroups"]] == ["Last year's"]


def test_the_group_page_runs_a_fixed_number_of_queries(
    lead_client, workgroup, django_assert_num_queries
):
    make_session(workgroup, 2, timezone.now() + timedelta(days=30))
    for _ in range(3):
        enrol(workgroup, "confirmed", school=make_school())
    for _ in range(3):
        enrol(workgroup, "waiting")
    lead_client.post(url("message", workgroup), {"subject": "Hello", "body": "Welcome."})
    lead_client.get(url("detail", workgroup))

    # Session, user, the two-factor check, hub, membership; the group
    # (programme, evaluation); its phases; sessions with attendance counts;
    # enrolments with teachers, schools and waiting positions; the messages sent.
    with django_assert_num_queries(10):
        response = lead_client.get(url("detail", workgroup))

    assert [e.waiting_position for e in response.context["waiting"]] == [1, 2, 3]
    assert len(response.context["participants"]) == 3


def test_the_export_runs_a_fixed_number_of_queries(
    lead_client, workgroup, django_assert_num_queries
):
    session = workgroup.sessions.get()
    for _ in range(3):
        Attendance.objects.create(
            session=session, enrolment=enrol(workgroup, "confirmed"), present=True
        )
    lead_client.get(url("detail", workgroup))

    # Session, user, the two-factor check, hub, membership; the group; its
    # sessions; the participants with teachers and schools; their attendance.
    with django_assert_num_queries(9):
        response = lead_client.get(url("export", workgroup))

    assert response.content.decode().count("\r\n") == 4
    assert Session.objects.count() == 1
