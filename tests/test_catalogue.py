"""The public catalogue of Work Groups: filters, pages, the detail page and its actions."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hubs.models import Hub, TeachingPhase
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from tests.factories import make_catalogue, make_session, make_teacher, make_workgroup
from tests.helpers import folded_search_plans, page_text
from workgroups.models import Enrolment, Programme, Session, WorkGroup

LIST = reverse("workgroups:list")
THIS_YEAR = current_academic_year()


def at(year: int, month: int, day: int, hour: int = 16) -> datetime:
    """An aware datetime, read as UK time."""
    return timezone.make_aware(datetime(year, month, day, hour))


def titles(client, **params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [workgroup.title for workgroup in response.context["workgroups"]]


@pytest.fixture
def other_hub(reference_data) -> Hub:
    """North West One: another hub, in another region (North West, E12000002)."""
    return Hub.objects.get(slug="north-west-one")


@pytest.fixture
def core_maths(db) -> Programme:
    return Programme.objects.create(name="Post-16 Core Maths", slug="post-16-core-maths")


@pytest.fixture
def catalogue(hub, other_hub, core_maths) -> dict[str, WorkGroup]:
    """Four published groups that differ in every filter, and one draft."""
    fractions = make_workgroup(
        hub, title="Mastering Fractions", description="Fractions as numbers on the number line."
    )
    make_session(fractions, 1, at(THIS_YEAR, 10, 6))

    core = make_workgroup(
        other_hub,
        title="Core Maths in Practice",
        phases=["post16"],
        programme=core_maths,
        delivery=WorkGroup.Delivery.ONLINE,
        capacity=12,
        description="Planning the first units of a Core Maths course.",
    )
    make_session(core, 1, at(THIS_YEAR + 1, 2, 3))
    WorkGroup.objects.filter(pk=core.pk).update(places_taken=12)

    reasoning = make_workgroup(
        other_hub,
        title="Reasoning at Key Stage 3",
        phases=["secondary"],
        delivery=WorkGroup.Delivery.BLENDED,
        academic_year=THIS_YEAR - 1,
        status=WorkGroup.Status.CLOSED,
        description="Tasks that ask pupils to explain, using FRACTIONS and ratio.",
    )
    make_session(reasoning, 1, at(THIS_YEAR, 5, 5))

    early = make_workgroup(
        hub,
        title="Developing Number Skills in Early Years",
        phases=["eyfs", "primary"],
        description="Subitising and counting.",
    )
    make_session(early, 1, at(THIS_YEAR + 1, 5, 12))

    draft = make_workgroup(hub, title="Draft Fractions Group", status=WorkGroup.Status.DRAFT)
    make_session(draft, 1, at(THIS_YEAR, 10, 1))
    return {"fractions": fractions, "core": core, "reasoning": reasoning, "early": early}


# ---- Filters -----------------------------------------------------------------------------


def test_a_first_visit_shows_this_school_years_groups_by_start_date(client, catalogue):
    # Last year's "Reasoning at Key Stage 3" waits until another year is chosen.
    assert titles(client) == [
        "Mastering Fractions",
        "Core Maths in Practice",
        "Developing Number Skills in Early Years",
    ]
    response = client.get(LIST)
    assert response.context["form"]["year"].value() == str(THIS_YEAR)


def test_any_year_shows_every_published_group_by_start_date(client, catalogue):
    assert titles(client, year="") == [
        "Reasoning at Key Stage 3",
        "Mastering Fractions",
        "Core Maths in Practice",
        "Developing Number Skills in Early Years",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"phase": "primary"}, ["Mastering Fractions", "Developing Number Skills in Early Years"]),
        ({"phase": "eyfs"}, ["Developing Number Skills in Early Years"]),
        ({"phase": "post16"}, ["Core Maths in Practice"]),
        (
            {"hub": "archimedes-ne"},
            ["Mastering Fractions", "Developing Number Skills in Early Years"],
        ),
        ({"hub": "north-west-one"}, ["Reasoning at Key Stage 3", "Core Maths in Practice"]),
        (
            {"region": "E12000001"},
            ["Mastering Fractions", "Developing Number Skills in Early Years"],
        ),
        ({"region": "E12000002"}, ["Reasoning at Key Stage 3", "Core Maths in Practice"]),
        ({"kind": "national"}, ["Core Maths in Practice"]),
        (
            {"kind": "local"},
            [
                "Reasoning at Key Stage 3",
                "Mastering Fractions",
                "Developing Number Skills in Early Years",
            ],
        ),
        ({"programme": "post-16-core-maths"}, ["Core Maths in Practice"]),
        ({"delivery": "online"}, ["Core Maths in Practice"]),
        ({"delivery": "blended"}, ["Reasoning at Key Stage 3"]),
        ({"year": str(THIS_YEAR - 1)}, ["Reasoning at Key Stage 3"]),
        (
            {"year": str(THIS_YEAR)},
            [
                "Mastering Fractions",
                "Core Maths in Practice",
                "Developing Number Skills in Early Years",
            ],
        ),
        ({"term": "spring"}, ["Core Maths in Practice"]),
        ({"term": "autumn"}, ["Mastering Fractions"]),
        (
            {"term": "summer"},
            ["Reasoning at Key Stage 3", "Developing Number Skills in Early Years"],
        ),
        # Open and not full: the closed group and the full one drop out.
        ({"places": "on"}, ["Mastering Fractions", "Developing Number Skills in Early Years"]),
        # Title or description, whatever the case; drafts never match.
        ({"q": "fractions"}, ["Reasoning at Key Stage 3", "Mastering Fractions"]),
        ({"q": "  SUBITISING "}, ["Developing Number Skills in Early Years"]),
    ],
)
def test_each_filter_narrows_the_list(client, catalogue, params, expected):
    assert titles(client, **params) == expected


@pytest.fixture
def accented_groups(hub) -> None:
    make_workgroup(hub, title="Pólya\u2019s Problem Solving", description="Four steps, in class.")
    make_workgroup(hub, title="Number Sense", description="Polya-style questions for Year 5.")
    make_workgroup(hub, title="Multiplicative Reasoning", description="Key-stage 2 ratio tasks.")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Title or description, whatever the accents: both ways round.
        pytest.param("polya", ["Number Sense", "Pólya\u2019s Problem Solving"], id="plain"),
        pytest.param("PÓLYA", ["Number Sense", "Pólya\u2019s Problem Solving"], id="accented"),
        pytest.param("polya's problem", ["Pólya\u2019s Problem Solving"], id="ascii-apostrophe"),
        pytest.param("key stage 2", ["Multiplicative Reasoning"], id="spaces-for-hyphens"),
        pytest.param("polya style", ["Number Sense"], id="hyphen-ignored"),
        pytest.param("\u2019", [], id="punctuation-alone-finds-nothing"),
    ],
)
def test_the_search_ignores_accents_and_punctuation(client, accented_groups, typed, expected):
    assert sorted(titles(client, q=typed)) == expected


def test_the_search_uses_both_folded_indexes(client, hub, accented_groups):
    make_catalogue(hub)
    with CaptureQueriesContext(connection) as queries:
        assert titles(client, q="Pólya") == ["Number Sense", "Pólya\u2019s Problem Solving"]
    plans = folded_search_plans(queries)
    assert len(plans) == 2  # the count and the page
    for plan in plans:
        assert "workgroup_title_fold_trgm_idx" in plan, plan
        assert "workgroup_description_fold_trgm_idx" in plan, plan


def test_has_places_leaves_out_groups_whose_deadline_has_passed(client, catalogue):
    yesterday = timezone.localdate() - timedelta(days=1)
    WorkGroup.objects.filter(pk=catalogue["early"].pk).update(application_deadline=yesterday)
    WorkGroup.objects.filter(pk=catalogue["fractions"].pk).update(
        application_deadline=timezone.localdate()
    )
    assert titles(client, places="on") == ["Mastering Fractions"]
    text = page_text(client.get(LIST, {"year": ""}))
    assert f"Applications closed on {yesterday:%-d %B %Y}" in text
    assert "Full: you can join the waiting list" in text
    assert "Closed to new applications" in text
    assert "20 places left" in text


def test_filters_combine(client, catalogue):
    assert titles(client, hub="north-west-one", year=str(THIS_YEAR)) == ["Core Maths in Practice"]
    assert titles(client, phase="primary", term="autumn", places="on", q="number") == [
        "Mastering Fractions"
    ]
    assert titles(client, kind="national", region="E12000001") == []


def test_year_choices_are_the_years_with_groups_labelled_as_school_years(client, catalogue):
    form = client.get(LIST).context["form"]
    assert list(form.fields["year"].choices) == [
        ("", "Any year"),
        (str(THIS_YEAR), f"{THIS_YEAR}-{(THIS_YEAR + 1) % 100:02d}"),
        (str(THIS_YEAR - 1), f"{THIS_YEAR - 1}-{THIS_YEAR % 100:02d}"),
    ]


def test_every_filter_has_a_label(client, catalogue):
    text = client.get(LIST).content.decode()
    for name in ["q", "phase", "region", "hub", "kind", "programme", "delivery", "year", "term"]:
        assert f'<label for="id_{name}">' in text, name
    assert '<label class="inline" for="id_places">' in text
    assert '<form method="get"' in text
    assert '<button type="submit" class="button">Show Work Groups</button>' in text


def test_the_filter_form_keeps_what_was_chosen(client, catalogue):
    text = client.get(LIST, {"hub": "archimedes-ne", "places": "on", "q": "fractions"}).content
    text = text.decode()
    assert '<option value="archimedes-ne" selected>' in text
    assert 'name="places" id="id_places" checked' in text
    assert 'value="fractions"' in text


def test_an_unknown_filter_value_is_reported_and_the_others_still_apply(client, catalogue):
    response = client.get(LIST, {"hub": "atlantis", "phase": "post16"})
    text = page_text(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert "Choose a hub from the list." in text
    assert [wg.title for wg in response.context["workgroups"]] == ["Core Maths in Practice"]


def test_result_count_and_empty_message(client, catalogue):
    assert "4 Work Groups match" in page_text(client.get(LIST, {"year": ""}))
    assert "1 Work Group matches" in page_text(client.get(LIST, {"phase": "eyfs"}))
    text = page_text(client.get(LIST, {"q": "trigonometry"}))
    assert "No Work Groups match" in text
    assert "Nothing matches all of these filters" in text
    assert f'href="{LIST}?year=">clear all filters</a>' in text


def test_an_empty_catalogue_says_so(client, db):
    text = page_text(client.get(LIST))
    assert f"No Work Groups are published for {academic_year_label(THIS_YEAR)} yet" in text
    assert "No Work Groups are published yet" in page_text(client.get(LIST, {"year": ""}))


# ---- Sorting and pages -------------------------------------------------------------------


def test_sorted_by_start_date_then_title_with_undated_groups_last(client, hub):
    for title, start in [("Beta", at(THIS_YEAR, 11, 3)), ("Alpha", at(THIS_YEAR, 11, 3))]:
        make_session(make_workgroup(hub, title=title), 1, start)
    make_workgroup(hub, title="Aardvark (no dates yet)")
    make_session(make_workgroup(hub, title="Zeta"), 1, at(THIS_YEAR, 9, 20))
    assert titles(client) == ["Zeta", "Alpha", "Beta", "Aardvark (no dates yet)"]


def test_pages_of_twenty_whose_links_keep_the_filters(client, hub, other_hub):
    for n in range(25):
        make_workgroup(hub, title=f"Primary group {n:02d}")
    for n in range(3):
        make_workgroup(other_hub, title=f"Secondary group {n}", phases=["secondary"])

    first = client.get(LIST, {"phase": "primary", "q": "group"})
    assert len(first.context["workgroups"]) == 20
    text = page_text(first)
    assert "25 Work Groups match" in text
    assert "Showing 1 to 20" in text
    assert 'href="?phase=primary&amp;q=group&amp;page=2" rel="next"' in text

    second = client.get(LIST, {"phase": "primary", "q": "group", "page": "2"})
    names = [wg.title for wg in second.context["workgroups"]]
    assert names == [f"Primary group {n:02d}" for n in range(20, 25)]
    assert 'href="?phase=primary&amp;q=group&amp;page=1" rel="prev"' in page_text(second)
    # A page number out of range shows the last page rather than an error.
    assert client.get(LIST, {"phase": "primary", "page": "99"}).context["page"].number == 2


# ---- Drafts ------------------------------------------------------------------------------


def test_drafts_are_not_listed_and_their_page_is_not_found(client, hub):
    draft = make_workgroup(hub, title="Secret Draft", status=WorkGroup.Status.DRAFT)
    assert "Secret Draft" not in page_text(client.get(LIST))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("workgroups:detail", args=["no-such-group"])).status_code == 404


# ---- Fixed query counts ------------------------------------------------------------------


def _busy_groups(hub, teachers, n: int, *, offset: int = 0) -> None:
    """Groups with three phases, three sessions and an enrolment from each teacher."""
    for i in range(offset, offset + n):
        group = make_workgroup(hub, title=f"Group {i:02d}", phases=["eyfs", "primary", "secondary"])
        for order in (1, 2, 3):
            make_session(group, order, at(THIS_YEAR, 10, 1) + timedelta(days=7 * order + i))
        for teacher in teachers:
            Enrolment.objects.create(workgroup=group, teacher=teacher, status="confirmed")


def test_the_list_runs_a_fixed_number_of_queries(client, hub, django_assert_num_queries):
    teachers = [make_teacher() for _ in range(2)]
    _busy_groups(hub, teachers, 5)
    params = {"phase": "primary", "places": "on"}

    # 1 the academic years for the year filter, 2 the chosen phase (form validation),
    # 3 count of matching groups; the form's choices: 4 phases, 5 regions, 6 hubs,
    # 7 programmes; 8 the page of groups with hub, region and programme, 9 their phases.
    with django_assert_num_queries(9):
        assert client.get(LIST, params).status_code == 200

    _busy_groups(hub, teachers, 30, offset=5)
    with django_assert_num_queries(9):
        response = client.get(LIST, params)
    assert len(response.context["workgroups"]) == 20


def test_the_detail_page_runs_a_fixed_number_of_queries(client, hub, django_assert_num_queries):
    teacher = make_teacher()
    workgroup = make_workgroup(hub, phases=["primary"])
    make_session(workgroup, 1, at(THIS_YEAR + 1, 1, 14))
    Enrolment.objects.create(workgroup=workgroup, teacher=teacher, status="confirmed")
    client.force_login(teacher)

    # 1 session, 2 user, 3 the group with hub, region and programme, 4 its phases,
    # 5 its sessions, 6 the teacher's enrolment with their place on the waiting list,
    # 7 whether to offer the hub workspace.
    with django_assert_num_queries(7):
        assert client.get(workgroup.get_absolute_url()).status_code == 200

    workgroup.phases.add(*TeachingPhase.objects.filter(code__in=["eyfs", "secondary"]))
    for order in range(2, 8):
        make_session(workgroup, order, at(THIS_YEAR + 1, 1, 14) + timedelta(weeks=order))
    for _ in range(5):
        Enrolment.objects.create(workgroup=workgroup, teacher=make_teacher(), status="waiting")
    with django_assert_num_queries(7):
        assert client.get(workgroup.get_absolute_url()).status_code == 200


# ---- The detail page ---------------------------------------------------------------------


@pytest.fixture
def workgroup(hub, core_maths) -> WorkGroup:
    """A national group of 20 places, 3 taken, with two sessions: one online."""
    group = make_workgroup(
        hub,
        title="Core Maths: Getting Started",
        programme=core_maths,
        phases=["post16"],
        audience=WorkGroup.Audience.LEADERS,
        capacity=20,
        application_deadline=timezone.localdate() + timedelta(days=14),
        lead_name="A Mastery Specialist from Carmel College",
        eligibility="Maths leads in schools and colleges.",
        description="Planning the first units.",
    )
    WorkGroup.objects.filter(pk=group.pk).update(places_taken=3)
    group.refresh_from_db()
    make_session(
        group,
        2,
        at(THIS_YEAR + 1, 2, 10),
        is_online=True,
        gap_task="Try the task with a Year 12 class.",
    )
    make_session(
        group,
        1,
        at(THIS_YEAR + 1, 1, 13),
        venue_name="Carmel College",
        venue_address="Darlington",
        gap_task="Plan one lesson with a colleague.",
    )
    return group


def test_detail_shows_what_a_teacher_needs_to_decide(client, workgroup):
    response = client.get(workgroup.get_absolute_url())
    text = page_text(response)
    assert response.status_code == 200
    assert "<h1>Core Maths: Getting Started</h1>" in text
    assert f'href="{workgroup.hub.get_absolute_url()}"' in text
    assert "Post-16 Core Maths" in text
    assert "Post-16" in text
    assert "Maths leads and senior leaders" in text
    assert "In person" in text
    assert workgroup.academic_year_label in text
    assert "Planning the first units." in text
    assert "Maths leads in schools and colleges." in text
    assert "Fully funded" in text
    assert f"{workgroup.application_deadline:%-d %B %Y}" in text
    assert "A Mastery Specialist from Carmel College" in text
    assert "17 of 20 places left" in text


def test_detail_lists_sessions_in_order_in_uk_time_with_gap_tasks(client, workgroup):
    text = page_text(client.get(workgroup.get_absolute_url()))
    first, second = text.index("Session 1"), text.index("Session 2")
    assert first < second
    first_day = workgroup.starts_on
    assert f"{first_day:%A} 13 January {first_day.year}, 16:00</time> to <time" in text
    assert "Carmel College, Darlington" in text[first:second]
    assert "Plan one lesson with a colleague." in text[first:second]
    assert "Online" in text[second:]
    assert "Try the task with a Year 12 class." in text[second:]


def test_session_times_are_shown_in_uk_summer_time(client, hub):
    group = make_workgroup(hub)
    # 15:00 UTC on 1 July is 16:00 British Summer Time.
    make_session(group, 1, datetime(THIS_YEAR + 1, 7, 1, 15, tzinfo=timezone.get_fixed_timezone(0)))
    assert ", 16:00</time> to <time" in page_text(client.get(group.get_absolute_url()))


def test_a_local_group_shows_its_need_and_its_cost(client, hub):
    group = make_workgroup(hub, local_need="Fractions came up in every school.", cost=60)
    text = page_text(client.get(group.get_absolute_url()))
    assert "Local Work Group" in text
    assert "Fractions came up in every school." in text
    assert "£60 per participant" in text
    assert "The hub has not published the session dates yet." in text


# ---- The teacher's own status and action -------------------------------------------------


def test_anonymous_visitors_are_asked_to_log_in(client, workgroup):
    url = workgroup.get_absolute_url()
    text = page_text(client.get(url))
    assert f'href="{reverse("account_login")}?next={url}">Log in to join</a>' in text
    assert reverse("workgroups:join", args=[workgroup.slug]) not in text


def test_a_teacher_without_a_complete_profile_is_sent_to_complete_it(client, workgroup):
    client.force_login(make_teacher(complete=False))
    url = workgroup.get_absolute_url()
    text = page_text(client.get(url))
    assert f'href="{reverse("accounts:profile")}?next={url}"' in text
    assert "Complete your profile to join" in text
    assert reverse("workgroups:join", args=[workgroup.slug]) not in text


def test_a_teacher_with_a_complete_profile_can_join(client, workgroup):
    client.force_login(make_teacher())
    text = page_text(client.get(workgroup.get_absolute_url()))
    assert (
        f'<form method="post" action="{reverse("workgroups:join", args=[workgroup.slug])}">' in text
    )
    assert "Join this Work Group</button>" in text


def test_a_full_group_offers_the_waiting_list(client, workgroup):
    WorkGroup.objects.filter(pk=workgroup.pk).update(places_taken=workgroup.capacity)
    client.force_login(make_teacher())
    text = page_text(client.get(workgroup.get_absolute_url()))
    assert "Full: you can join the waiting list" in text
    assert "Join the waiting list</button>" in text


def test_a_teacher_with_a_place_sees_it_and_can_withdraw(client, workgroup):
    teacher = make_teacher()
    enrolment = Enrolment.objects.create(workgroup=workgroup, teacher=teacher, status="confirmed")
    client.force_login(teacher)
    text = page_text(client.get(workgroup.get_absolute_url()))
    assert "You have a place." in text
    assert f'action="{reverse("workgroups:withdraw", args=[enrolment.pk])}"' in text
    assert reverse("workgroups:join", args=[workgroup.slug]) not in text


def test_a_teacher_on_the_waiting_list_sees_their_position(client, workgroup):
    now = timezone.now()
    Enrolment.objects.create(
        workgroup=workgroup, teacher=make_teacher(), status="waiting", requested_at=now
    )
    teacher = make_teacher()
    enrolment = Enrolment.objects.create(
        workgroup=workgroup,
        teacher=teacher,
        status="waiting",
        requested_at=now + timedelta(minutes=1),
    )
    client.force_login(teacher)
    text = page_text(client.get(workgroup.get_absolute_url()))
    assert "You are number 2 on the waiting list." in text
    assert f'action="{reverse("workgroups:withdraw", args=[enrolment.pk])}"' in text
    assert "Leave the waiting list</button>" in text


def test_a_withdrawn_teacher_may_join_again(client, workgroup):
    teacher = make_teacher()
    Enrolment.objects.create(workgroup=workgroup, teacher=teacher, status="withdrawn")
    client.force_login(teacher)
    assert "Join this Work Group</button>" in page_text(client.get(workgroup.get_absolute_url()))


def test_a_closed_group_says_why_nobody_can_join(client, workgroup):
    WorkGroup.objects.filter(pk=workgroup.pk).update(status=WorkGroup.Status.CLOSED)
    client.force_login(make_teacher())
    text = page_text(client.get(workgroup.get_absolute_url()))
    assert "This Work Group is closed to new applications." in text
    assert reverse("workgroups:join", args=[workgroup.slug]) not in text


def test_after_the_deadline_nobody_can_join(client, workgroup):
    deadline = timezone.localdate() - timedelta(days=1)
    WorkGroup.objects.filter(pk=workgroup.pk).update(application_deadline=deadline)
    client.force_login(make_teacher())
    text = page_text(client.get(workgroup.get_absolute_url()))
    assert f"The deadline for applications was {deadline:%-d %B %Y}" in text
    assert reverse("workgroups:join", args=[workgroup.slug]) not in text


def test_an_anonymous_visitor_to_a_closed_group_is_not_asked_to_log_in_to_join(client, workgroup):
    WorkGroup.objects.filter(pk=workgroup.pk).update(status=WorkGroup.Status.CLOSED)
    text = page_text(client.get(workgroup.get_absolute_url()))
    assert "This Work Group is closed to new applications." in text
    assert "Log in to join" not in text


# ---- Demo data ---------------------------------------------------------------------------


def test_demo_command_loads_every_hub_once(reference_data):
    out = io.StringIO()
    call_command("load_demo_workgroups", stdout=out)
    groups = WorkGroup.objects.count()
    sessions = Session.objects.count()
    assert "Demo Work Groups:" in out.getvalue()
    assert Hub.objects.filter(workgroups__isnull=True).count() == 0
    assert set(WorkGroup.objects.values_list("academic_year", flat=True)) == {
        THIS_YEAR - 1,
        THIS_YEAR,
    }
    assert Programme.objects.count() == 6
    assert not WorkGroup.objects.filter(starts_on__isnull=True).exists()
    assert not WorkGroup.objects.filter(starting_term="").exists()
    assert WorkGroup.objects.filter(programme__isnull=True).exists()
    assert WorkGroup.objects.filter(programme__isnull=False).exists()
    assert 3 * groups <= sessions <= 4 * groups

    out = io.StringIO()
    call_command("load_demo_workgroups", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (WorkGroup.objects.count(), Session.objects.count()) == (groups, sessions)

    call_command("load_demo_workgroups", "--reset", stdout=io.StringIO())
    assert (WorkGroup.objects.count(), Session.objects.count()) == (groups, sessions)
    assert Programme.objects.count() == 6


def test_demo_groups_show_in_the_catalogue(client, reference_data):
    call_command("load_demo_workgroups", stdout=io.StringIO())
    response = client.get(LIST, {"year": ""})
    assert response.context["total"] == WorkGroup.objects.published().count()
    detail = client.get(response.context["workgroups"][0].get_absolute_url())
    assert detail.status_code == 200
