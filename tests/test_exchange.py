"""The England-China exchange: nominations, pairings, showcases, observers, pages."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exchange.models import (
    ExchangeTeacher,
    ExchangeYear,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from exchange.reminders import showcase_reminders_queue
from exchange.services import (
    ExchangeRefused,
    nomination_add,
    observer_cancel,
    observer_register,
    shanghai_teacher_pair,
    showcase_update,
)
from exchange.tasks import send_showcase_reminders
from hubs.models import AuditEntry, Hub
from hubs_portal.lib.academic_year import current_academic_year
from notifications.models import Email
from tests.factories import make_register, make_school, make_teacher
from tests.helpers import folded_search_plans, page_text

# --- Fixtures: a year of the exchange in which the hub takes part -------------


@pytest.fixture
def year(db) -> ExchangeYear:
    """This school year's exchange; the Shanghai teachers are in England now."""
    today = timezone.localdate()
    return ExchangeYear.objects.create(
        academic_year=current_academic_year(),
        shanghai_visit_start=today - timedelta(days=2),
        shanghai_visit_end=today + timedelta(days=12),
    )


@pytest.fixture
def host_school(hub):
    return make_school(name="Dene Primary")


def nominate(hub, year, school, name="Hana Host", phase="primary") -> ExchangeTeacher:
    return ExchangeTeacher.objects.create(
        hub=hub, exchange_year=year, teacher_name=name, school=school, phase=phase
    )


@pytest.fixture
def host(hub, year, host_school) -> ExchangeTeacher:
    return nominate(hub, year, host_school)


@pytest.fixture
def guest(hub, year, host) -> ShanghaiTeacher:
    teacher = ShanghaiTeacher.objects.create(
        hub=hub, exchange_year=year, name="Li Wei", shanghai_school="Jing'an No. 1", phase="primary"
    )
    Pairing.objects.create(shanghai_teacher=teacher, english_teacher=host)
    return teacher


def make_showcase(hub, year, school, *, places=2, status=Showcase.Status.OPEN, starts_in=None):
    starts = timezone.now() + (starts_in or timedelta(days=3))
    return Showcase.objects.create(
        hub=hub,
        exchange_year=year,
        host_school=school,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        class_and_topic="Year 4: equivalent fractions",
        observer_places=places,
        status=status,
    )


@pytest.fixture
def showcase(hub, year, host, host_school) -> Showcase:
    return make_showcase(hub, year, host_school)


def register(showcase, teacher, capture) -> ObserverRegistration:
    with capture(execute=True):
        return observer_register(showcase_id=showcase.pk, teacher=teacher)


# --- Exchange years -----------------------------------------------------------


def test_a_year_is_written_as_a_school_year(db):
    year = ExchangeYear.objects.create(academic_year=2016)
    assert year.label == "2016-17"
    assert year.get_absolute_url() == "/exchange/2016-17/"
    assert ExchangeYear.objects.by_label("2016-17") == year
    assert ExchangeYear.objects.by_label("2016-18") is None


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        (
            {"english_visit_start": date(2016, 11, 14), "english_visit_end": date(2016, 11, 1)},
            "english_visit_end",
            "The English teachers' visit must end after it starts.",
        ),
        (
            {"shanghai_visit_start": date(2017, 3, 1), "shanghai_visit_end": date(2017, 3, 1)},
            "shanghai_visit_end",
            "The Shanghai teachers' visit must end after it starts.",
        ),
        (
            {"english_visit_start": date(2016, 11, 1)},
            "english_visit_end",
            "give both dates, or leave both empty",
        ),
        (
            {"shanghai_visit_start": date(2017, 8, 25), "shanghai_visit_end": date(2017, 9, 8)},
            "shanghai_visit_start",
            "must fall within the 2016-17 school year",
        ),
    ],
)
def test_visit_dates_are_checked(db, dates, field, message):
    year = ExchangeYear(academic_year=2016, **dates)
    with pytest.raises(ValidationError) as refused:
        year.full_clean()
    assert message in " ".join(refused.value.message_dict[field])


def test_the_database_refuses_a_visit_that_ends_before_it_starts(db):
    with pytest.raises(IntegrityError):
        ExchangeYear.objects.create(
            academic_year=2016,
            english_visit_start=date(2016, 11, 14),
            english_visit_end=date(2016, 11, 1),
        )


def test_the_exchange_began_in_2014(db):
    with pytest.raises(ValidationError, match="2014"):
        ExchangeYear(academic_year=2013).full_clean()


# --- Nominations: two or three teachers per hub and year ----------------------


def test_a_fourth_teacher_is_refused_and_nothing_is_stored(hub, hub_lead, year):
    school = make_school()
    for name in ["Ann Able", "Ben Brook", "Cat Cole"]:
        nomination_add(
            hub=hub,
            user=hub_lead,
            nomination=ExchangeTeacher(
                exchange_year=year, teacher_name=name, school=school, phase="primary"
            ),
        )
    fourth = ExchangeTeacher(
        exchange_year=year, teacher_name="Dan Dale", school=school, phase="secondary"
    )
    with pytest.raises(ValidationError) as refused:
        nomination_add(hub=hub, user=hub_lead, nomination=fourth)

    message = " ".join(refused.value.message_dict["exchange_year"])
    assert "already nominated three teachers" in message
    assert "Ann Able, Ben Brook and Cat Cole" in message
    assert ExchangeTeacher.objects.filter(hub=hub).count() == 3
    assert fourth.pk is None
    assert AuditEntry.objects.filter(hub=hub, action="exchange.nomination.add").count() == 3


@pytest.mark.django_db(transaction=True)
def test_simultaneous_nominations_stop_at_three(reference_data):
    hub = Hub.objects.get(slug="archimedes-ne")
    year = ExchangeYear.objects.create(academic_year=current_academic_year())
    school = make_school()
    nominate(hub, year, school, name="First Teacher")
    tries = 6
    start = threading.Barrier(tries)
    refusals, errors = [], []

    def press_nominate(n):
        try:
            start.wait()
            nomination_add(
                hub=hub,
                user=None,
                nomination=ExchangeTeacher(
                    exchange_year=year, teacher_name=f"Racer {n}", school=school, phase="primary"
                ),
            )
        except ValidationError as refusal:
            refusals.append(refusal)
        except Exception as error:  # collected and reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press_nominate, args=(n,)) for n in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # The hub row lock makes each count see the saves before it.
    assert ExchangeTeacher.objects.filter(hub=hub, exchange_year=year).count() == 3
    assert len(refusals) == tries - 2


def test_the_limit_is_per_hub_and_per_year(hub, hub_lead, year):
    school = make_school()
    other_hub = Hub.objects.get(slug="north-west-one")
    last_year = ExchangeYear.objects.create(academic_year=year.academic_year - 1)
    for n in range(3):
        nominate(hub, year, school, name=f"Teacher {n}")
        nominate(other_hub, year, school, name=f"Other {n}")
    nomination_add(
        hub=hub,
        user=hub_lead,
        nomination=ExchangeTeacher(
            exchange_year=last_year, teacher_name="Teacher 0", school=school, phase="primary"
        ),
    )
    assert ExchangeTeacher.objects.filter(exchange_year=year).count() == 6


def test_the_fourth_nomination_through_the_web_shows_why(lead_client, hub, year):
    school = make_school(name="Fourth Primary")
    for name in ["Ann Able", "Ben Brook", "Cat Cole"]:
        nominate(hub, year, school, name=name)
    url = reverse("manage-exchange:nomination-add", args=[hub.slug])
    response = lead_client.post(
        url,
        {
            "exchange_year": year.pk,
            "teacher_name": "Dan Dale",
            "school": school.pk,
            "phase": "primary",
            "school_q": "Fourth",
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "Your hub has already nominated three teachers" in text
    assert 'href="#id_exchange_year"' in text
    assert ExchangeTeacher.objects.filter(hub=hub).count() == 3


def test_a_teacher_is_nominated_once_a_year(lead_client, hub, year, host, host_school):
    response = lead_client.post(
        reverse("manage-exchange:nomination-add", args=[hub.slug]),
        {
            "exchange_year": year.pk,
            "teacher_name": "hana  HOST",
            "school": host_school.pk,
            "phase": "primary",
        },
    )
    assert "is already nominated for" in page_text(response)
    assert ExchangeTeacher.objects.count() == 1


def test_the_nomination_school_search_ignores_accents_and_punctuation_on_its_index(
    lead_client, hub, year
):
    make_register()
    therese = make_school(name="St Thérèse\u2019s Catholic Primary School")
    bronte = make_school(name="Bronte Academy")
    search = reverse("manage-exchange:nomination-add", args=[hub.slug])

    with CaptureQueriesContext(connection) as queries:
        found = lead_client.get(search, {"school_q": "St Theres", "year": year.academic_year})

    assert found.context["schools"] == [therese]
    (plan,) = folded_search_plans(queries)
    assert "school_name_fold_trgm_idx" in plan, plan
    found = lead_client.get(search, {"school_q": "BRONTË", "year": year.academic_year})
    assert found.context["schools"] == [bronte]


def test_a_lead_finds_the_school_and_nominates_a_teacher(lead_client, hub, hub_lead, year):
    school = make_school(name="Carmel Primary Academy")
    url = reverse("manage-exchange:nomination-add", args=[hub.slug])
    found = lead_client.get(url, {"school_q": "Carmel Primary", "year": year.academic_year})
    assert "Carmel Primary Academy" in page_text(found)

    response = lead_client.post(
        url,
        {
            "exchange_year": year.pk,
            "teacher_name": "  Ruth   Reid ",
            "school": school.pk,
            "phase": "primary",
            "email": "ruth@carmel.example.org",
        },
        follow=True,
    )
    assert "Ruth Reid of Carmel Primary Academy is nominated" in page_text(response)
    nomination = ExchangeTeacher.objects.get()
    assert (nomination.hub, nomination.teacher_name) == (hub, "Ruth Reid")
    entry = AuditEntry.objects.get(action="exchange.nomination.add")
    assert (entry.user, entry.after["school"]) == (hub_lead, school.pk)


def test_removing_a_nomination(lead_client, hub, year, host_school):
    nomination = nominate(hub, year, host_school)
    url = reverse("manage-exchange:nomination-remove", args=[hub.slug, nomination.pk])
    assert lead_client.get(url).status_code == 200
    lead_client.post(url)
    assert not ExchangeTeacher.objects.exists()
    assert AuditEntry.objects.filter(action="exchange.nomination.remove").count() == 1


def test_a_nomination_hosting_a_shanghai_teacher_is_kept(lead_client, hub, host, guest):
    url = reverse("manage-exchange:nomination-remove", args=[hub.slug, host.pk])
    response = lead_client.post(url, follow=True)
    assert "Hana Host hosts Li Wei" in page_text(response)
    assert ExchangeTeacher.objects.filter(pk=host.pk).exists()
    assert not AuditEntry.objects.filter(action="exchange.nomination.remove").exists()


# --- Shanghai teachers and their hosts ----------------------------------------


def test_a_lead_adds_a_shanghai_teacher_with_their_host(lead_client, hub, year, host):
    response = lead_client.post(
        reverse("manage-exchange:shanghai-add", args=[hub.slug]),
        {
            "year": year.academic_year,
            "name": "Zhang Min",
            "shanghai_school": "Yangpu Experimental",
            "phase": "primary",
            "hosts": [host.pk],
        },
        follow=True,
    )
    assert "Zhang Min is recorded" in page_text(response)
    guest = ShanghaiTeacher.objects.get()
    assert (guest.hub, guest.exchange_year, list(guest.hosts.all())) == (hub, year, [host])
    assert AuditEntry.objects.get(action="exchange.shanghai.add").after["hosts"] == [host.pk]


def test_a_shanghai_teacher_is_hosted_at_one_school(hub, hub_lead, year, host, guest):
    elsewhere = nominate(hub, year, make_school(name="Far Away Primary"), name="Eve Else")
    with pytest.raises(ValidationError, match="hosted at one school"):
        shanghai_teacher_pair(guest=guest, hosts=[host, elsewhere], user=hub_lead)
    assert list(guest.hosts.all()) == [host]

    colleague = nominate(hub, year, host.school, name="Cal Colleague")
    shanghai_teacher_pair(guest=guest, hosts=[host, colleague], user=hub_lead)
    assert set(guest.hosts.all()) == {host, colleague}


def test_hosts_come_from_the_hub_itself(lead_client, hub, year, guest):
    other_hub = Hub.objects.get(slug="north-west-one")
    theirs = nominate(other_hub, year, make_school(), name="Not Ours")
    response = lead_client.post(
        reverse("manage-exchange:shanghai-pair", args=[hub.slug, guest.pk]),
        {"hosts": [theirs.pk]},
    )
    assert "Choose from your hub" in page_text(response)
    assert not guest.hosts.filter(pk=theirs.pk).exists()


# --- Showcases: the hub's side --------------------------------------------------


def showcase_form_data(year, school, **changes):
    starts = timezone.localtime() + timedelta(days=3)
    data = {
        "year": year.academic_year,
        "class_and_topic": "Year 4: equivalent fractions",
        "host_school": school.pk,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "observer_places": 12,
    }
    return data | changes


def test_a_lead_creates_and_opens_a_showcase(lead_client, client, hub, year, host, guest):
    response = lead_client.post(
        reverse("manage-exchange:showcase-add", args=[hub.slug]),
        showcase_form_data(year, host.school, shanghai_teacher=guest.pk),
        follow=True,
    )
    assert "is saved as a draft" in page_text(response)
    showcase = Showcase.objects.get()
    assert (showcase.status, showcase.shanghai_teacher, showcase.hub) == ("draft", guest, hub)
    assert client.get(showcase.get_absolute_url()).status_code == 404

    lead_client.post(reverse("manage-exchange:showcase-open", args=[hub.slug, showcase.pk]))
    showcase.refresh_from_db()
    assert showcase.status == "open"
    public = page_text(client.get(year.get_absolute_url()))
    assert "Year 4: equivalent fractions" in public
    assert "12 left" in public

    lead_client.post(reverse("manage-exchange:showcase-close", args=[hub.slug, showcase.pk]))
    showcase.refresh_from_db()
    assert showcase.status == "closed"
    actions = set(AuditEntry.objects.filter(hub=hub).values_list("action", flat=True))
    assert {
        "exchange.showcase.create",
        "exchange.showcase.open",
        "exchange.showcase.closed",
    } <= actions


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"starts_at": "2016-01-01T09:00"}, "starts_at", "while the Shanghai teachers are in"),
        ({"observer_places": 0}, "observer_places", "at least 1 observer place"),
        ({"class_and_topic": ""}, "class_and_topic", "Enter the class and the topic"),
    ],
)
def test_showcase_details_are_checked(lead_client, hub, year, host, change, field, message):
    data = showcase_form_data(year, host.school, **change)
    response = lead_client.post(reverse("manage-exchange:showcase-add", args=[hub.slug]), data)
    assert message in page_text(response)
    assert f'href="#id_{field}"' in response.content.decode()
    assert not Showcase.objects.exists()


def test_a_showcase_is_at_one_of_the_hubs_exchange_schools(lead_client, hub, year, host):
    elsewhere = make_school(name="Not In The Exchange")
    data = showcase_form_data(year, elsewhere)
    response = lead_client.post(reverse("manage-exchange:showcase-add", args=[hub.slug]), data)
    assert "Choose a school from the list." in page_text(response)
    assert not Showcase.objects.exists()


def test_the_database_never_holds_more_observers_than_places(showcase):
    with pytest.raises(IntegrityError), transaction.atomic():
        Showcase.objects.filter(pk=showcase.pk).update(places_taken=3)


def test_places_cannot_drop_below_the_observers_registered(
    showcase, hub_lead, django_capture_on_commit_callbacks
):
    register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    with pytest.raises(ExchangeRefused, match="2 teachers have already registered"):
        showcase_update(showcase_id=showcase.pk, user=hub_lead, fields={"observer_places": 1})
    showcase.refresh_from_db()
    assert showcase.observer_places == 2


def test_discussion_notes_are_recorded_after_the_lesson(lead_client, hub, showcase):
    url = reverse("manage-exchange:showcase-notes", args=[hub.slug, showcase.pk])
    response = lead_client.post(url, {"discussion_notes": "Too early"}, follow=True)
    assert "once the lesson has ended" in page_text(response)

    Showcase.objects.filter(pk=showcase.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    notes = "Observers noticed how carefully the variation in examples was chosen."
    lead_client.post(url, {"discussion_notes": notes})
    showcase.refresh_from_db()
    assert showcase.discussion_notes == notes
    assert showcase.notes_recorded_at is not None
    assert AuditEntry.objects.get(action="exchange.showcase.notes").after["discussion_notes"] == (
        notes
    )


# --- Observers: registering and cancelling --------------------------------------


def test_registering_takes_a_place_and_sends_one_email(
    showcase, django_capture_on_commit_callbacks
):
    teacher = make_teacher()
    registration = register(showcase, teacher, django_capture_on_commit_callbacks)

    showcase.refresh_from_db()
    assert showcase.places_taken == 1
    assert (registration.status, registration.school) == ("registered", teacher.school)
    assert Email.objects.filter(key=f"showcase:{registration.pk}:registered").count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [teacher.email]
    assert message.subject.startswith("You are registered to observe Year 4: equivalent fractions")
    assert "Dene Primary" in message.body


def test_a_full_showcase_refuses_and_stores_nothing(showcase, django_capture_on_commit_callbacks):
    register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    late = make_teacher()
    with pytest.raises(ExchangeRefused, match="All observer places are taken"):
        register(showcase, late, django_capture_on_commit_callbacks)
    assert not ObserverRegistration.objects.filter(teacher=late).exists()
    showcase.refresh_from_db()
    assert showcase.places_taken == 2
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "draft"}, "not open for registration yet"),
        ({"status": "closed"}, "Registration for this showcase has closed"),
        (
            {
                "starts_at": timezone.now() - timedelta(hours=1),
                "ends_at": timezone.now() + timedelta(hours=1),
            },
            "already taken place",
        ),
    ],
)
def test_registration_is_refused_unless_open_and_ahead(
    showcase, changes, reason, django_capture_on_commit_callbacks
):
    Showcase.objects.filter(pk=showcase.pk).update(**changes)
    with pytest.raises(ExchangeRefused, match=reason):
        register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    assert not ObserverRegistration.objects.exists()


def test_a_complete_profile_is_needed(showcase, django_capture_on_commit_callbacks):
    with pytest.raises(ExchangeRefused, match="complete your profile"):
        register(showcase, make_teacher(complete=False), django_capture_on_commit_callbacks)


def test_a_teacher_registers_once(showcase, django_capture_on_commit_callbacks):
    teacher = make_teacher()
    register(showcase, teacher, django_capture_on_commit_callbacks)
    with pytest.raises(ExchangeRefused, match="already registered"):
        register(showcase, teacher, django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError), transaction.atomic():
        ObserverRegistration.objects.create(showcase=showcase, teacher=teacher)


def test_cancelling_frees_the_place_and_emails(showcase, django_capture_on_commit_callbacks):
    teacher = make_teacher()
    registration = register(showcase, teacher, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        observer_cancel(showcase_id=showcase.pk, teacher=teacher)

    registration.refresh_from_db()
    showcase.refresh_from_db()
    assert (registration.status, showcase.places_taken) == ("cancelled", 0)
    assert Email.objects.filter(key=f"showcase:{registration.pk}:cancelled").exists()
    assert [m.subject for m in mail.outbox][-1].startswith("You have cancelled your place")

    again = register(showcase, teacher, django_capture_on_commit_callbacks)
    assert again.status == "registered"
    assert len(mail.outbox) == 3


def test_nobody_cancels_someone_elses_place(showcase, django_capture_on_commit_callbacks):
    register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    with pytest.raises(ExchangeRefused, match="not registered"):
        observer_cancel(showcase_id=showcase.pk, teacher=make_teacher())
    showcase.refresh_from_db()
    assert showcase.places_taken == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_never_overbook(reference_data):
    hub = Hub.objects.get(slug="archimedes-ne")
    places, teachers_count = 5, 30
    today = timezone.localdate()
    year = ExchangeYear.objects.create(
        academic_year=current_academic_year(),
        shanghai_visit_start=today,
        shanghai_visit_end=today + timedelta(days=13),
    )
    school = make_school()
    nominate(hub, year, school)
    showcase = make_showcase(hub, year, school, places=places)
    teachers = [make_teacher() for _ in range(teachers_count)]
    start = threading.Barrier(teachers_count)
    refusals, errors = [], []

    def press_register(teacher):
        try:
            start.wait()
            observer_register(showcase_id=showcase.pk, teacher=teacher)
        except ExchangeRefused as refusal:
            refusals.append(str(refusal))
        except Exception as error:  # collected and reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press_register, args=(t,)) for t in teachers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    showcase.refresh_from_db()
    registered = ObserverRegistration.objects.filter(showcase=showcase, status="registered")
    assert (registered.count(), showcase.places_taken) == (places, places)
    assert refusals == ["All observer places are taken."] * (teachers_count - places)
    assert Email.objects.filter(key__endswith=":registered").count() == places


# --- The web: a teacher registers for themselves ----------------------------------


def test_registering_through_the_web(client, showcase, django_capture_on_commit_callbacks):
    teacher = make_teacher()
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:register", args=[showcase.pk]), follow=True)
    text = page_text(response)
    assert "You have an observer place" in text
    assert "You are registered to observe this lesson" in text
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:cancel", args=[showcase.pk]), follow=True)
    assert "You have cancelled your place" in page_text(response)
    showcase.refresh_from_db()
    assert showcase.places_taken == 0


def test_registering_needs_a_post_and_a_login(client, showcase):
    url = reverse("exchange:register", args=[showcase.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not ObserverRegistration.objects.exists()


def test_an_incomplete_profile_is_sent_to_complete_it(client, showcase):
    client.force_login(make_teacher(complete=False))
    response = client.post(reverse("exchange:register", args=[showcase.pk]))
    assert response["Location"].startswith(reverse("accounts:profile"))
    assert not ObserverRegistration.objects.exists()


def test_a_full_showcase_says_so_on_the_web(client, showcase, django_capture_on_commit_callbacks):
    register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    client.force_login(make_teacher())
    response = client.post(reverse("exchange:register", args=[showcase.pk]), follow=True)
    assert "All observer places are taken" in page_text(response)


def test_a_draft_showcase_cannot_be_registered_for(client, hub, year, host, host_school):
    draft = make_showcase(hub, year, host_school, status=Showcase.Status.DRAFT)
    client.force_login(make_teacher())
    assert client.post(reverse("exchange:register", args=[draft.pk])).status_code == 404


# --- Reminders: the day before, each once -----------------------------------------


def test_reminders_go_once_to_registered_observers_the_day_before(
    hub, year, host, host_school, django_capture_on_commit_callbacks
):
    tomorrow = make_showcase(hub, year, host_school, places=5, starts_in=timedelta(hours=20))
    later = make_showcase(hub, year, host_school, places=5, starts_in=timedelta(days=3))
    coming = [register(tomorrow, make_teacher(), django_capture_on_commit_callbacks) for _ in "ab"]
    leaving = make_teacher()
    register(tomorrow, leaving, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        observer_cancel(showcase_id=tomorrow.pk, teacher=leaving)
    register(later, make_teacher(), django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert showcase_reminders_queue() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert showcase_reminders_queue() == 0
        assert send_showcase_reminders.delay().get() == 0

    keys = set(
        Email.objects.filter(key__startswith="showcase-reminder:").values_list("key", flat=True)
    )
    assert keys == {f"showcase-reminder:{r.pk}" for r in coming}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.teacher.email for r in coming)
    assert all(m.subject.startswith("Reminder: showcase lesson") for m in mail.outbox)


# --- Who may do what in the workspace ----------------------------------------------


def test_the_workspace_is_not_found_for_other_hubs_and_teachers(
    client, hub, other_hub_lead, showcase
):
    urls = [
        reverse("manage-exchange:home", args=[hub.slug]),
        reverse("manage-exchange:showcase", args=[hub.slug, showcase.pk]),
    ]
    for user in [other_hub_lead, make_teacher()]:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404


def test_another_hubs_records_are_not_found_through_this_hub(lead_client, hub, year):
    other_hub = Hub.objects.get(slug="north-west-one")
    school = make_school()
    theirs = nominate(other_hub, year, school)
    their_showcase = make_showcase(other_hub, year, school)
    detail = reverse("manage-exchange:showcase", args=[hub.slug, their_showcase.pk])
    close = reverse("manage-exchange:showcase-close", args=[hub.slug, their_showcase.pk])
    remove = reverse("manage-exchange:nomination-remove", args=[hub.slug, theirs.pk])
    assert lead_client.get(detail).status_code == 404
    assert lead_client.get(remove).status_code == 404
    assert lead_client.post(remove).status_code == 404
    assert lead_client.post(close).status_code == 404
    their_showcase.refresh_from_db()
    assert their_showcase.status == "open"
    assert ExchangeTeacher.objects.filter(pk=theirs.pk).exists()


def test_members_read_but_only_leads_change(client, hub, hub_member, year, host, showcase):
    client.force_login(hub_member)
    home = client.get(reverse("manage-exchange:home", args=[hub.slug]))
    assert home.status_code == 200
    assert "Hana Host" in page_text(home)
    assert "Nominate a teacher" not in page_text(home)
    assert (
        client.get(reverse("manage-exchange:showcase", args=[hub.slug, showcase.pk])).status_code
        == 200
    )

    add = reverse("manage-exchange:nomination-add", args=[hub.slug])
    assert client.get(add).status_code == 403
    data = {
        "exchange_year": year.pk,
        "teacher_name": "M",
        "school": host.school_id,
        "phase": "primary",
    }
    assert client.post(add, data).status_code == 403
    close = reverse("manage-exchange:showcase-close", args=[hub.slug, showcase.pk])
    assert client.post(close).status_code == 403
    assert ExchangeTeacher.objects.count() == 1
    showcase.refresh_from_db()
    assert showcase.status == "open"


def test_ncetm_staff_read_but_do_not_change(client, hub, ncetm_staff, showcase):
    client.force_login(ncetm_staff)
    assert client.get(reverse("manage-exchange:home", args=[hub.slug])).status_code == 200
    assert client.get(reverse("manage-exchange:showcase-add", args=[hub.slug])).status_code == 403
    close = reverse("manage-exchange:showcase-close", args=[hub.slug, showcase.pk])
    assert client.post(close).status_code == 404
    showcase.refresh_from_db()
    assert showcase.status == "open"


def test_the_workspace_shows_the_hubs_year(lead_client, hub, year, host, guest, showcase):
    response = lead_client.get(reverse("manage-exchange:home", args=[hub.slug]))
    text = page_text(response)
    assert f"Shanghai exchange {year.label}" in text
    assert "Li Wei" in text
    assert "Hana Host at Dene Primary" in text
    assert "0 of 2" in text


def test_the_workspace_without_any_year(lead_client, hub):
    response = lead_client.get(reverse("manage-exchange:home", args=[hub.slug]))
    assert "No exchange year has been set up yet" in page_text(response)
    add = lead_client.get(reverse("manage-exchange:showcase-add", args=[hub.slug]))
    assert add.status_code == 302


# --- Query counts ---------------------------------------------------------------------


def _busy_year(year, hubs, *, schools_each=3):
    """Nominations, Shanghai teachers and open showcases in several hubs."""
    for hub in hubs:
        schools = [make_school() for _ in range(schools_each)]
        for n, school in enumerate(schools):
            nominate(hub, year, school, name=f"Teacher {n}")
        guest = ShanghaiTeacher.objects.create(
            hub=hub, exchange_year=year, name="Guest", shanghai_school="School", phase="primary"
        )
        Pairing.objects.create(
            shanghai_teacher=guest, english_teacher=hub.exchange_teachers.first()
        )
        for school in schools:
            make_showcase(hub, year, school, places=5)


@pytest.mark.parametrize("hub_count", [1, 4])
def test_the_year_list_runs_one_query(
    client, reference_data, year, hub_count, django_assert_num_queries
):
    _busy_year(year, Hub.objects.order_by("name")[:hub_count])
    ExchangeYear.objects.create(academic_year=2016)
    # The years, each with its count of hubs and of published showcases.
    with django_assert_num_queries(1):
        response = client.get(reverse("exchange:years"))
    assert f"{year.label}" in page_text(response)


@pytest.mark.parametrize("hub_count", [1, 4])
def test_the_year_page_runs_a_fixed_number_of_queries(
    client, reference_data, year, hub_count, django_assert_num_queries
):
    _busy_year(year, Hub.objects.order_by("name")[:hub_count])
    url = reverse("exchange:year", args=[year.label])
    # The year; the nominations with hubs and schools; the Shanghai teachers
    # counted by hub; the showcases taking registrations with hubs and schools.
    with django_assert_num_queries(4):
        response = client.get(url)
    text = page_text(response)
    assert f"{hub_count} hub{'s' if hub_count > 1 else ''} and {3 * hub_count} schools" in text
    assert "Teacher 0" not in text  # schools and hubs, never teachers' names

    client.force_login(make_teacher())
    # Also the session, the user, which showcases the teacher is registered
    # for, and whether they are on a hub team (base.html's workspace link).
    with django_assert_num_queries(8):
        client.get(url)


def test_the_year_page_says_which_showcases_a_teacher_is_registered_for(
    client, showcase, django_capture_on_commit_callbacks
):
    teacher = make_teacher()
    register(showcase, teacher, django_capture_on_commit_callbacks)
    client.force_login(teacher)
    text = page_text(client.get(showcase.exchange_year.get_absolute_url()))
    assert "You are registered to observe." in text
    assert "1 left" in text


def test_an_unknown_year_is_not_found(client, year):
    assert client.get("/exchange/2001-02/").status_code == 404
    assert client.get("/exchange/2016-18/").status_code == 404


def test_the_showcase_page_runs_a_fixed_number_of_queries(
    client, showcase, guest, django_assert_num_queries
):
    Showcase.objects.filter(pk=showcase.pk).update(shanghai_teacher=guest)
    # The showcase with its hub, year, school and teacher.
    with django_assert_num_queries(1):
        response = client.get(showcase.get_absolute_url())
    text = page_text(response)
    assert "Log in to register" in text
    assert "Jing'an No. 1" in text or "Jing&#x27;an No. 1" in text
    assert "Li Wei" not in text


@pytest.mark.parametrize("schools_each", [1, 3])
def test_the_workspace_year_runs_a_fixed_number_of_queries(
    lead_client,
    hub,
    year,
    schools_each,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    url = reverse("manage-exchange:home", args=[hub.slug])
    _busy_year(year, [hub], schools_each=schools_each)
    for showcase in Showcase.objects.filter(hub=hub)[:2]:
        register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    # The session and the user; the two-factor check; the hub and the user's
    # role on it (access, also whether they are a lead); the years; the
    # nominations with schools; the Shanghai teachers; their pairings with
    # hosts and schools; the showcases with schools and teachers.
    with django_assert_num_queries(10):
        response = lead_client.get(url)
    assert response.status_code == 200


def test_the_workspace_showcase_page_runs_a_fixed_number_of_queries(
    lead_client, hub, showcase, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for _ in range(2):
        register(showcase, make_teacher(), django_capture_on_commit_callbacks)
    url = reverse("manage-exchange:showcase", args=[hub.slug, showcase.pk])
    # The session and the user; the two-factor check; the hub and the role
    # (access, also whether the user is a lead); the showcase with its year,
    # school and teacher; the registrations with teachers and schools.
    with django_assert_num_queries(7):
        response = lead_client.get(url)
    assert response.status_code == 200
    assert page_text(response).count("Test Teacher") == 2


@pytest.mark.django_db(transaction=True)
def test_the_reminder_task_on_a_real_worker_sends_each_reminder_once(
    celery_worker, wait_until, reference_data
):
    hub = Hub.objects.get(slug="archimedes-ne")
    today = timezone.localdate()
    year = ExchangeYear.objects.create(
        academic_year=current_academic_year(),
        shanghai_visit_start=today,
        shanghai_visit_end=today + timedelta(days=13),
    )
    school = make_school()
    nominate(hub, year, school)
    showcase = make_showcase(hub, year, school, places=3, starts_in=timedelta(hours=10))
    teachers = [make_teacher() for _ in range(2)]
    for teacher in teachers:
        observer_register(showcase_id=showcase.pk, teacher=teacher)
    wait_until(lambda: Email.objects.filter(status=Email.Status.SENT).count() == 2)

    first = send_showcase_reminders.delay()
    assert celery_worker.wait_for(first.id) == "SUCCESS"
    second = send_showcase_reminders.delay()
    assert celery_worker.wait_for(second.id) == "SUCCESS"

    def sent_reminders():
        found = list(Email.objects.filter(key__startswith="showcase-reminder:", status="sent"))
        return found if len(found) == 2 else None

    reminders = wait_until(sent_reminders)
    assert sorted(email.to for email in reminders) == sorted(t.email for t in teachers)
    wait_until(lambda: len(mail.outbox) == 4)
    assert sum(m.subject.startswith("Reminder: showcase lesson") for m in mail.outbox) == 2
