"""Open-ended text, typed anywhere: never a 500; stored as typed, shown escaped, or refused.

Hypothesis writes the text: any Unicode (no lone surrogates, which no browser
can send), control characters included, from empty to far past every limit.
Search boxes and filters answer 200 with what was typed shown escaped, or
with a message by the field. Free-text fields either store exactly what was
typed (less the spaces the form trims) and every page showing it escapes it,
or refuse it beside the field and change nothing.
"""

from datetime import timedelta
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from exchange.models import ExchangeTeacher, ShanghaiTeacher, Showcase
from hubs.models import LeadershipTeamMember
from hubs_portal.lib.forms import CONTROL_CHARACTERS
from newsletters.models import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, Issue, markdown_to_safe_html
from projects.models import Allocation, ProjectParticipation, Spend
from tests.bad_input.test_bad_input import CASES, manage_url
from tests.test_workspace_access import database_state
from workgroups.models import Evaluation, ParticipantMessage, Session, WorkGroup

# Fast and self-contained: no example database written to the working tree.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text a request can carry, short or very long.
any_text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=90, max_size=400),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5000).map(
        lambda t: t * (3000 // len(t) + 1)
    ),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\x1b[31m",
            "'; DROP TABLE hubs_school; --",
            "%",
            "_",
            "\\",
            "²",
            "9" * 30,
            "9" * 5000,
            "DL3 8RW" * 40,
            "\u202e\u200b\ufeff",
            "\ud7ff\ue000\U0010ffff",
        ]
    ),
)

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def assert_escaped(response, payload: str = PAYLOAD) -> None:
    html = response.content.decode()
    assert payload not in html
    assert "<script>alert(" not in html
    assert "<img src=x onerror" not in html


# --- Search boxes and filters ---------------------------------------------------------


def _search_surfaces(w) -> list[tuple[str, list[str]]]:
    """(URL, query-string parameters that take what people type) for every GET form."""
    participation = w.participation.pk
    return [
        (reverse("find-hub"), ["q", "la"]),
        (
            reverse("workgroups:list"),
            [
                "q",
                "phase",
                "region",
                "hub",
                "kind",
                "programme",
                "delivery",
                "year",
                "term",
                "places",
                "page",
            ],
        ),
        (manage_url("manage-hubs:partner-add", w), ["school_q", "school"]),
        (
            manage_url("manage-projects:school-add", w, participation_pk=participation),
            ["school_q", "school"],
        ),
        (manage_url("manage-exchange:nomination-add", w), ["school_q", "year", "school"]),
        (manage_url("manage-exchange:showcase-add", w), ["year"]),
        (manage_url("manage-workgroups:list", w), ["year"]),
        (manage_url("manage-funding:home", w), ["year"]),
        (manage_url("manage-exchange:home", w), ["year"]),
        (manage_url("manage-hubs:audit", w), ["page"]),
        (reverse("reports:national"), ["year", "region", "phase"]),
        (reverse("reports:gaps"), ["year", "region", "phase"]),
        (reverse("reports:trend"), ["region", "phase"]),
        (reverse("reports:hub", args=[w.hub.slug]), ["year", "phase"]),
        (reverse("accounts:profile"), ["school_q", "next"]),
    ]


@FUZZ
@given(data=st.data())
def test_search_boxes_and_filters_answer_any_text_without_an_error(world, lead_client, data):
    surfaces = _search_surfaces(world)
    url, names = data.draw(st.sampled_from(surfaces), label="page")
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True), label="fields")
    params = {name: data.draw(any_text, label=name) for name in chosen}

    response = lead_client.get(url, params)

    assert response.status_code == 200, (url, params, response.status_code)


def test_what_was_searched_for_is_shown_escaped(world, lead_client):
    for url, names in _search_surfaces(world):
        for name in names:
            response = lead_client.get(url, {name: PAYLOAD})
            assert response.status_code == 200, (url, name)
            assert_escaped(response)


@FUZZ
@given(query=any_text)
def test_the_hub_finder_answers_anyone_typing_anything(client, world, query):
    response = client.get(reverse("find-hub"), {"q": query})

    assert response.status_code == 200
    form = response.context["form"]
    if form.is_valid():
        assert response.context["searched"]
    else:
        assert form.errors  # said on the page, by the box


# --- Free text: stored as typed, shown escaped, or refused ----------------------------


def collapse(text: str) -> str:
    return " ".join(text.split())


def strip(text: str) -> str:
    return text.strip()


def _issue(w) -> Issue:
    return Issue.objects.get(pk=w.issue.pk)


# (form, field, how the form tidies it, the value stored, a page that shows it)
FREE_TEXT = [
    (
        "work group edit",
        "title",
        collapse,
        lambda w: WorkGroup.objects.get(pk=w.workgroup.pk).title,
        lambda w: w.workgroup.get_absolute_url(),
    ),
    (
        "work group edit",
        "description",
        strip,
        lambda w: WorkGroup.objects.get(pk=w.workgroup.pk).description,
        lambda w: WorkGroup.objects.get(pk=w.workgroup.pk).get_absolute_url(),
    ),
    (
        "work group edit",
        "lead_name",
        strip,
        lambda w: WorkGroup.objects.get(pk=w.workgroup.pk).lead_name,
        lambda w: manage_url("manage-workgroups:edit", w, pk=w.workgroup.pk),
    ),
    (
        "session edit",
        "venue_name",
        strip,
        lambda w: Session.objects.get(pk=w.session2.pk).venue_name,
        lambda w: w.workgroup.get_absolute_url(),
    ),
    (
        "session edit",
        "gap_task",
        strip,
        lambda w: Session.objects.get(pk=w.session2.pk).gap_task,
        lambda w: w.workgroup.get_absolute_url(),
    ),
    (
        "leader edit",
        "name",
        collapse,
        lambda w: LeadershipTeamMember.objects.get(pk=w.leader.pk).name,
        lambda w: w.hub.get_absolute_url(),
    ),
    (
        "participants message",
        "body",
        strip,
        lambda w: ParticipantMessage.objects.latest("pk").body,
        None,  # shown only in the e-mails (test_html_typed_by_a_hub_team_is_escaped_in_...)
    ),
    (
        "evaluation",
        "impact_notes",
        strip,
        lambda w: Evaluation.objects.get(workgroup=w.closed).impact_notes,
        lambda w: manage_url("manage-workgroups:evaluation", w, pk=w.closed.pk),
    ),
    (
        "newsletter issue edit",
        "subject",
        collapse,
        lambda w: _issue(w).subject,
        lambda w: manage_url("manage-newsletters:issue", w, pk=w.issue.pk),
    ),
    (
        "participation edit",
        "targets",
        strip,
        lambda w: ProjectParticipation.objects.get(pk=w.participation.pk).targets,
        lambda w: manage_url("manage-projects:detail", w, participation_pk=w.participation.pk),
    ),
    (
        "allocation",
        "note",
        strip,
        lambda w: Allocation.objects.latest("pk").note,
        lambda w: manage_url("manage-funding:home", w),
    ),
    (
        "spending",
        "description",
        collapse,
        lambda w: Spend.objects.latest("pk").description,
        lambda w: manage_url("manage-funding:home", w),
    ),
    (
        "exchange nomination",
        "teacher_name",
        collapse,
        lambda w: ExchangeTeacher.objects.latest("pk").teacher_name,
        lambda w: manage_url("manage-exchange:home", w),
    ),
    (
        "Shanghai teacher add",
        "shanghai_school",
        strip,
        lambda w: ShanghaiTeacher.objects.latest("pk").shanghai_school,
        lambda w: manage_url("manage-exchange:home", w),
    ),
    (
        "showcase edit",
        "class_and_topic",
        collapse,
        lambda w: Showcase.objects.get(pk=w.showcase.pk).class_and_topic,
        lambda w: manage_url("manage-exchange:showcase", w, showcase_pk=w.showcase.pk),
    ),
    (
        "showcase notes",
        "discussion_notes",
        strip,
        lambda w: Showcase.objects.get(pk=w.past_showcase.pk).discussion_notes,
        lambda w: manage_url("manage-exchange:showcase", w, showcase_pk=w.past_showcase.pk),
    ),
]


def _submit(lead_client, w, entry, typed: str):
    form_name, field, _tidy, _stored, _page = entry
    case = CASES[form_name]
    return lead_client.post(case.url(w), {**case.valid(w), field: typed})


@FUZZ
@given(entry=st.sampled_from(FREE_TEXT), around=st.tuples(any_text, any_text))
def test_free_text_is_stored_as_typed_and_shown_escaped_or_refused_by_the_field(
    world, lead_client, entry, around
):
    form_name, field, tidy, stored, page = entry
    typed = around[0] + PAYLOAD + around[1]
    with transaction.atomic():
        before = database_state()
        response = _submit(lead_client, world, entry, typed)
        if response.status_code == 302:
            assert not CONTROL_CHARACTERS.search(typed), (form_name, field)
            assert stored(world) == tidy(typed), (form_name, field)
            if page is not None:
                shown = lead_client.get(page(world))
                assert shown.status_code == 200
                assert_escaped(shown)
        else:
            assert response.status_code == 200, (form_name, field, response.status_code)
            errors = response.context["form"].errors
            assert field in errors, (form_name, field, errors)
            assert CONTROL_CHARACTERS.search(typed) or len(tidy(typed)) > 100, errors
            assert database_state() == before
        transaction.set_rollback(True)


def test_html_in_every_free_text_field_is_stored_as_typed_and_shown_escaped(world, lead_client):
    """The same, once per field with the payload alone, and on the public pages too."""
    for entry in FREE_TEXT:
        form_name, field, _tidy, stored, page = entry
        with transaction.atomic():
            response = _submit(lead_client, world, entry, PAYLOAD)
            assert response.status_code == 302, (form_name, field)
            assert stored(world) == PAYLOAD
            if page is not None:
                shown = lead_client.get(page(world))
                assert escape(PAYLOAD) in shown.content.decode(), (form_name, field)
                assert_escaped(shown)
            transaction.set_rollback(True)


def test_a_work_group_title_in_html_is_escaped_on_every_page_that_lists_it(world, lead_client):
    client = Client()
    WorkGroup.objects.filter(pk=world.workgroup.pk).update(title=PAYLOAD)
    Showcase.objects.filter(pk=world.showcase.pk).update(
        class_and_topic=PAYLOAD, status=Showcase.Status.OPEN
    )
    teacher = world.teachers[0]
    pages = [
        (client, reverse("workgroups:list")),
        (client, world.workgroup.get_absolute_url()),
        (client, world.hub.get_absolute_url()),
        (client, world.project.get_absolute_url()),
        (client, reverse("exchange:showcase", args=[world.showcase.pk])),
        (client, world.exchange_year.get_absolute_url()),
        (lead_client, manage_url("manage-hubs:dashboard", world)),
        (lead_client, manage_url("manage-workgroups:list", world)),
        (lead_client, manage_url("manage-workgroups:detail", world, pk=world.workgroup.pk)),
        (lead_client, manage_url("manage-exchange:home", world)),
        (
            lead_client,
            manage_url(
                "manage-projects:workgroups", world, participation_pk=world.participation.pk
            ),
        ),
        (lead_client, reverse("reports:hub", args=[world.hub.slug])),
        (lead_client, reverse("reports:workgroup", args=[world.workgroup.slug])),
    ]
    for who, url in pages:
        response = who.get(url)
        assert response.status_code == 200, url
        assert_escaped(response)

    client.force_login(teacher)
    response = client.get(reverse("workgroups:mine"))
    assert response.status_code == 200
    assert_escaped(response)


# --- The newsletter: Markdown, cleaned -----------------------------------------------

DANGEROUS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "<iframe src=https://example.org></iframe>",
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"></svg>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "![x](javascript:alert(1))",
    "<form action=https://example.org><input name=p></form>",
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    "<object data=x></object><embed src=x>",
    "<meta http-equiv=refresh content=0;url=https://example.org>",
]


class _Tags(HTMLParser):
    """Every element and attribute in a piece of HTML, as a browser would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _assert_nothing_runs(html: str) -> None:
    """Only the tags and attributes the newsletter allows; links only to the web or e-mail."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, attrs)
        for name in ("href", "src"):
            if attrs.get(name):
                scheme = urlsplit(attrs[name].strip()).scheme.lower()
                assert scheme in {"", "http", "https", "mailto"}, (tag, attrs)


def _newsletter_body(html: str) -> str:
    """The issue's own HTML (the rest of the page escapes what it shows)."""
    return html.split('class="newsletter-email-body">', 1)[1].split("</div>", 1)[0]


@settings(max_examples=150, deadline=None, database=None)
@given(
    pieces=st.lists(
        st.one_of(
            st.sampled_from(DANGEROUS),
            st.text(max_size=60),
            # Markdown's own syntax, and ways to spell a scheme: glued to the pieces above.
            st.sampled_from(["\n\n", "\n    ", "`", "<", ">", "[", "](", ")", '"', "&#106;"]),
        ),
        max_size=12,
    )
)
def test_newsletter_markdown_never_yields_anything_that_runs(pieces):
    _assert_nothing_runs(markdown_to_safe_html("".join(pieces)))


def test_a_newsletter_with_html_in_it_is_cleaned_in_the_preview_and_the_email(
    world, lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    body = "\n\n".join(["## News", *DANGEROUS, "**Bold** and [a link](https://example.org)."])
    url = manage_url("manage-newsletters:issue-edit", world, pk=world.issue.pk)
    response = lead_client.post(url, {"subject": PAYLOAD, "body_markdown": body})
    assert response.status_code == 302
    assert Issue.objects.get(pk=world.issue.pk).body_markdown == body  # stored as typed

    preview = lead_client.get(manage_url("manage-newsletters:issue", world, pk=world.issue.pk))
    html = preview.content.decode()
    assert escape(PAYLOAD) in html
    assert '<a href="https://example.org" rel="noopener noreferrer">a link</a>' in html
    _assert_nothing_runs(_newsletter_body(html))

    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            manage_url("manage-newsletters:issue-send", world, pk=world.issue.pk)
        )
    assert response.status_code == 302
    (message,) = [m for m in mailoutbox if world.subscriber.email in m.to]
    assert message.subject == PAYLOAD  # plain text: nothing to escape in a header
    email_html = message.alternatives[0][0]
    assert escape(PAYLOAD) in email_html
    assert "<strong>Bold</strong>" in email_html
    _assert_nothing_runs(_newsletter_body(email_html))
    assert "<script>alert(" not in email_html


# --- E-mails' HTML bodies ------------------------------------------------------------


def test_html_typed_by_a_hub_team_is_escaped_in_the_emails_teachers_get(
    world, lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    client = Client()
    from tests.factories import make_session, make_teacher, make_workgroup

    group = make_workgroup(world.hub, title=PAYLOAD, description=PAYLOAD)
    make_session(
        group,
        1,
        timezone.now() + timedelta(days=5),
        venue_name=PAYLOAD,
        gap_task=PAYLOAD,
    )
    teacher = make_teacher()
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("workgroups:join", args=[group.slug]))
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(
            manage_url("manage-workgroups:message", world, pk=group.pk),
            {"subject": PAYLOAD, "body": PAYLOAD + "\n\nSecond paragraph."},
        )

    sent = [m for m in mailoutbox if m.to == [teacher.email]]
    assert len(sent) == 2  # the place, the message
    for message in sent:
        html = message.alternatives[0][0]
        assert "<script>alert(" not in html
        assert escape(PAYLOAD) in html
        assert "\n" not in message.subject


# --- Text that got in another way (the admin, older records) --------------------------


def test_control_characters_already_stored_do_not_break_the_downloads(world, lead_client):
    """The forms refuse them now; the admin and older records may still hold them."""
    WorkGroup.objects.filter(pk=world.workgroup.pk).update(title="Bar\x01models\x1b here")
    report = reverse("reports:hub", args=[world.hub.slug])

    assert lead_client.get(report, {"format": "csv"}).status_code == 200
    response = lead_client.get(report, {"format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    cells = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert "Barmodels here" in cells  # the characters Excel refuses are left out

    export = manage_url("manage-workgroups:export", world, pk=world.workgroup.pk)
    assert lead_client.get(export).status_code == 200
    teacher = world.teachers[0]
    feed = Client().get(reverse("workgroups:calendar", args=[teacher.calendar_token]))
    assert feed.status_code == 200
