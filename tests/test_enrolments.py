"""Joining and leaving Work Groups: places are never overbooked, the queue is fair."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils import timezone

from notifications.models import Email
from tests.factories import make_session, make_teacher, make_workgroup
from tests.helpers import page_text
from workgroups.models import Enrolment, WorkGroup
from workgroups.services import EnrolmentRefused, enrolment_join, enrolment_withdraw


@pytest.fixture
def workgroup(hub):
    group = make_workgroup(hub, capacity=2, status=WorkGroup.Status.OPEN)
    make_session(group, 1, timezone.now() + timedelta(days=10))
    return group


def join(workgroup, teacher, capture):
    with capture(execute=True):
        return enrolment_join(workgroup_id=workgroup.pk, teacher=teacher)


def test_places_are_confirmed_until_full_then_the_waiting_list_fills(
    workgroup, django_capture_on_commit_callbacks
):
    teachers = [make_teacher() for _ in range(4)]
    statuses = [join(workgroup, t, django_capture_on_commit_callbacks).status for t in teachers]

    assert statuses == ["confirmed", "confirmed", "waiting", "waiting"]
    workgroup.refresh_from_db()
    assert workgroup.places_taken == 2
    queue = Enrolment.objects.filter(status="waiting").with_waiting_position()
    assert [(e.teacher, e.waiting_position) for e in queue] == [(teachers[2], 1), (teachers[3], 2)]
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == sorted(
        [f"You have a place on {workgroup.title}"] * 2
        + [f"You are on the waiting list for {workgroup.title}"] * 2
    )


def test_a_teacher_cannot_hold_two_enrolments_in_one_group(
    workgroup, django_capture_on_commit_callbacks
):
    teacher = make_teacher()
    join(workgroup, teacher, django_capture_on_commit_callbacks)
    with pytest.raises(EnrolmentRefused, match="already applied"):
        join(workgroup, teacher, django_capture_on_commit_callbacks)
    assert workgroup.enrolments.count() == 1


def test_the_database_refuses_a_second_active_enrolment(workgroup):
    teacher = make_teacher()
    Enrolment.objects.create(workgroup=workgroup, teacher=teacher, status="waiting")
    with pytest.raises(IntegrityError):
        Enrolment.objects.create(workgroup=workgroup, teacher=teacher, status="confirmed")


def test_the_database_refuses_more_places_taken_than_places(workgroup):
    with pytest.raises(IntegrityError):
        WorkGroup.objects.filter(pk=workgroup.pk).update(places_taken=3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "closed"}, "closed to new applications"),
        ({"status": "draft"}, "not open for applications yet"),
        (
            {"application_deadline": timezone.localdate() - timedelta(days=1)},
            "deadline for applications was",
        ),
    ],
)
def test_closed_draft_and_late_applications_are_refused_clearly(
    workgroup, django_capture_on_commit_callbacks, changes, message
):
    WorkGroup.objects.filter(pk=workgroup.pk).update(**changes)
    with pytest.raises(EnrolmentRefused, match=message):
        join(workgroup, make_teacher(), django_capture_on_commit_callbacks)
    assert not workgroup.enrolments.exists()


def test_a_teacher_must_complete_their_profile_first(workgroup, django_capture_on_commit_callbacks):
    with pytest.raises(EnrolmentRefused, match="complete your profile"):
        join(workgroup, make_teacher(complete=False), django_capture_on_commit_callbacks)


def test_withdrawing_frees_the_place_for_the_first_on_the_waiting_list(
    workgroup, django_capture_on_commit_callbacks
):
    first, second, third, fourth = (make_teacher() for _ in range(4))
    for teacher in (first, second, third, fourth):
        join(workgroup, teacher, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        promoted = enrolment_withdraw(enrolment_id=first.enrolments.get().pk, teacher=first)

    assert promoted.teacher == third
    assert third.enrolments.get().status == "confirmed"
    assert fourth.enrolments.with_waiting_position().get().waiting_position == 1
    workgroup.refresh_from_db()
    assert workgroup.places_taken == 2
    sent = {(m.to[0], m.subject) for m in mail.outbox}
    assert sent == {
        (first.email, f"You have withdrawn from {workgroup.title}"),
        (third.email, f"A place has come up for you on {workgroup.title}"),
    }


def test_leaving_the_waiting_list_promotes_nobody(workgroup, django_capture_on_commit_callbacks):
    teachers = [make_teacher() for _ in range(4)]
    for teacher in teachers:
        join(workgroup, teacher, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = enrolment_withdraw(
            enrolment_id=teachers[2].enrolments.get().pk, teacher=teachers[2]
        )
    assert promoted is None
    assert teachers[3].enrolments.with_waiting_position().get().waiting_position == 1


def test_a_teacher_cannot_withdraw_someone_elses_enrolment(
    workgroup, django_capture_on_commit_callbacks
):
    owner, other = make_teacher(), make_teacher()
    enrolment = join(workgroup, owner, django_capture_on_commit_callbacks)
    with pytest.raises(EnrolmentRefused):
        enrolment_withdraw(enrolment_id=enrolment.pk, teacher=other)
    enrolment.refresh_from_db()
    assert enrolment.status == "confirmed"


def test_after_withdrawing_a_teacher_may_apply_again(workgroup, django_capture_on_commit_callbacks):
    teacher = make_teacher()
    enrolment = join(workgroup, teacher, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_withdraw(enrolment_id=enrolment.pk, teacher=teacher)
    again = join(workgroup, teacher, django_capture_on_commit_callbacks)
    assert again.status == "confirmed"
    assert Email.objects.filter(to=teacher.email).count() == 3


@pytest.mark.django_db(transaction=True)
def test_simultaneous_joins_confirm_exactly_the_places_and_queue_the_rest_in_order(reference_data):
    from hubs.models import Hub

    places, teachers_count = 5, 30
    group = make_workgroup(Hub.objects.get(slug="archimedes-ne"), capacity=places, status="open")
    teachers = [make_teacher() for _ in range(teachers_count)]
    start = threading.Barrier(teachers_count)
    errors = []

    def press_join(teacher):
        try:
            start.wait()
            enrolment_join(workgroup_id=group.pk, teacher=teacher)
        except Exception as error:  # collected and reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press_join, args=(t,)) for t in teachers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    group.refresh_from_db()
    enrolments = list(group.enrolments.order_by("pk"))
    confirmed = [e for e in enrolments if e.status == "confirmed"]
    waiting = [e for e in enrolments if e.status == "waiting"]
    assert (len(confirmed), len(waiting), group.places_taken) == (places, 25, places)
    # Arrival order is the order the row lock was granted: everyone confirmed
    # arrived before everyone waiting, and the queue follows arrival.
    assert max(e.requested_at for e in confirmed) < min(e.requested_at for e in waiting)
    assert [e.pk for e in enrolments] == [
        e.pk for e in sorted(enrolments, key=lambda e: e.requested_at)
    ]
    positions = [
        e.waiting_position
        for e in group.enrolments.filter(status="waiting").with_waiting_position().order_by("pk")
    ]
    assert positions == list(range(1, 26))
    assert Email.objects.filter(key__endswith=":confirmed").count() == places
    assert Email.objects.filter(key__endswith=":waiting").count() == 25


# The web views: a teacher acts only on their own enrolments.


def test_joining_through_the_web(client, workgroup, django_capture_on_commit_callbacks):
    teacher = make_teacher()
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workgroups:join", args=[workgroup.slug]), follow=True)
    assert "You have a place on" in page_text(response)
    assert teacher.enrolments.get().status == "confirmed"
    assert len(mail.outbox) == 1


def test_joining_needs_a_post_and_a_login(client, workgroup):
    url = reverse("workgroups:join", args=[workgroup.slug])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not workgroup.enrolments.exists()


def test_joining_without_a_profile_leads_to_the_profile_page(client, workgroup):
    client.force_login(make_teacher(complete=False))
    response = client.post(reverse("workgroups:join", args=[workgroup.slug]))
    assert response["Location"].startswith(reverse("accounts:profile"))
    assert not workgroup.enrolments.exists()


def test_a_refusal_is_shown_on_the_page(client, workgroup):
    WorkGroup.objects.filter(pk=workgroup.pk).update(status="closed")
    client.force_login(make_teacher())
    response = client.post(reverse("workgroups:join", args=[workgroup.slug]), follow=True)
    assert "closed to new applications" in page_text(response)


def test_withdrawing_someone_elses_enrolment_through_the_web_is_refused(
    client, workgroup, django_capture_on_commit_callbacks
):
    owner = make_teacher()
    enrolment = join(workgroup, owner, django_capture_on_commit_callbacks)
    client.force_login(make_teacher())
    response = client.post(reverse("workgroups:withdraw", args=[enrolment.pk]))
    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == "confirmed"


def test_my_workgroups_shows_status_position_and_sessions(
    client, workgroup, django_capture_on_commit_callbacks, django_assert_num_queries
):
    full = make_workgroup(workgroup.hub, capacity=1, status="open", title="Mastering Fractions")
    make_session(full, 1, timezone.now() + timedelta(days=3))
    make_session(full, 2, timezone.now() - timedelta(days=3))
    join(full, make_teacher(), django_capture_on_commit_callbacks)
    teacher = make_teacher()
    join(workgroup, teacher, django_capture_on_commit_callbacks)
    join(full, teacher, django_capture_on_commit_callbacks)
    client.force_login(teacher)

    # 1 session, 2 user, 3 enrolments with positions and groups, 4 sessions,
    # 5 whether to offer the hub workspace.
    with django_assert_num_queries(5):
        response = client.get(reverse("workgroups:mine"))
    text = page_text(response)
    assert "Place confirmed" in text
    assert "Waiting list: number 1" in text
    assert "Mastering Fractions" in text
    assert reverse("workgroups:calendar", args=[teacher.calendar_token]) in text
    # Sessions of a group the teacher is only waiting for are not theirs yet.
    assert text.count("session 2") == 0
