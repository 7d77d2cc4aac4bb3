"""Network reports: figures checked against a small network counted by hand, who sees what,
downloads, charts without inline script or style, and a fixed number of queries per page."""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from exchange.models import ExchangeTeacher, ExchangeYear
from hubs.models import Hub, School
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from hubs_portal.lib.csv_export import defuse
from projects.models import Allocation, NationalProject, ProjectParticipation, Spend
from reports.access import ReportScope
from reports.pages.gaps import band_gap
from reports.queries.filters import Filters, scoped_hubs
from reports.queries.gaps import Coverage, closing_the_gaps
from reports.queries.network import network_report
from reports.queries.trend import yearly_totals
from reports.tables import POINTS, show
from tests.factories import make_school, make_session, make_teacher, make_workgroup
from tests.helpers import activate_totp
from workgroups.models import Attendance, Enrolment, Programme, WorkGroup

YEAR = current_academic_year()
LAST_YEAR = YEAR - 1
NATIONAL = reverse("reports:national")
GAPS = reverse("reports:gaps")
TREND = reverse("reports:trend")
NORTH_EAST = "E12000001"
STAFF = ReportScope(national=True)


def words(response) -> str:
    """The page's text as a reader sees it: tags dropped, runs of spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def at(month: int, day: int, year: int = YEAR) -> datetime:
    """A moment in the given academic year (autumn dates fall in its first calendar year)."""
    return datetime(year if month >= 9 else year + 1, month, day, 16, tzinfo=UTC)


def enrol(workgroup, teacher, status, school=None) -> Enrolment:
    return Enrolment.objects.create(
        workgroup=workgroup, teacher=teacher, status=status, school=school or teacher.school
    )


def set_places_taken(*groups) -> None:
    # The enrolment services keep this in step; the report reads it as places filled.
    for group in groups:
        taken = group.enrolments.filter(status__in=Enrolment.HOLDS_PLACE).count()
        WorkGroup.objects.filter(pk=group.pk).update(places_taken=taken)
        group.refresh_from_db()


@pytest.fixture
def network(hub, reference_data):
    """A small network counted by hand (figures for the current academic year):

    Schools (open unless said): s1 841 primary 5.0% FSM, s2 841 secondary 30.0%,
    s3 390 primary 50.0%, s4 841 primary CLOSED, s5 351 primary 10.0%,
    s6 841 primary 20.0%, s7 841 middle deemed primary (no FSM figure),
    s8 888 secondary (no figure; Lancashire is in two hubs' areas).
    Archimedes NE (A) serves 841; Great North (B) 390; North West One (C) 351.

    A's national Work Group a1 (primary, 10 places): t1 s1 confirmed, t2 s1
    completed, t3 s2 withdrawn, t7 s2 confirmed. A's local a2 (secondary, 5):
    t4 s2 waiting, t5 s3 confirmed. B's local b1 (primary, 8): t5 s3 completed,
    t6 s1 confirmed. A's draft (30 places) and last year's group (t1 completed).
    So s1 and s3 have teachers in both hubs; nationally 3 schools, 5 teachers.
    """
    great_north = Hub.objects.get(slug="great-north")
    nw_one = Hub.objects.get(slug="north-west-one")
    s = SimpleNamespace(hub=hub, great_north=great_north, nw_one=nw_one)
    s.s1 = make_school(name="Alpha Primary", la_code="841", fsm_percentage=Decimal("5.0"))
    s.s2 = make_school(
        name="Beta Academy",
        la_code="841",
        phase=School.Phase.SECONDARY,
        fsm_percentage=Decimal("30.0"),
    )
    s.s3 = make_school(name="Gamma Primary", la_code="390", fsm_percentage=Decimal("50.0"))
    s.s4 = make_school(
        name="Closed Primary",
        la_code="841",
        status=School.Status.CLOSED,
        fsm_percentage=Decimal("1.0"),
    )
    s.s5 = make_school(name="Bury Primary", la_code="351", fsm_percentage=Decimal("10.0"))
    s.s6 = make_school(name="Delta Primary", la_code="841", fsm_percentage=Decimal("20.0"))
    s.s7 = make_school(name="Epsilon Middle", la_code="841", phase=School.Phase.MIDDLE_PRIMARY)
    s.s8 = make_school(name="Lancashire High", la_code="888", phase=School.Phase.SECONDARY)

    programme = Programme.objects.create(name="Mastery Readiness", slug="mastery-readiness")
    s.a1 = make_workgroup(
        hub, title="Mastery readiness", slug="a1", programme=programme, capacity=10
    )
    s.a2 = make_workgroup(hub, title="Secondary local", slug="a2", phases=["secondary"], capacity=5)
    s.b1 = make_workgroup(great_north, title="Great North local", slug="b1", capacity=8)
    s.draft = make_workgroup(hub, slug="draft", capacity=30, status=WorkGroup.Status.DRAFT)
    s.old = make_workgroup(hub, slug="old", academic_year=LAST_YEAR, capacity=12)

    s.t1, s.t2, s.t6 = (make_teacher(school=s.s1) for _ in range(3))
    s.t3, s.t4, s.t7 = (make_teacher(school=s.s2) for _ in range(3))
    s.t5 = make_teacher(school=s.s3)
    s.e1 = enrol(s.a1, s.t1, "confirmed")
    s.e2 = enrol(s.a1, s.t2, "completed")
    enrol(s.a1, s.t3, "withdrawn")
    enrol(s.a1, s.t7, "confirmed")
    enrol(s.a2, s.t4, "waiting")
    enrol(s.a2, s.t5, "confirmed")
    s.e5b = enrol(s.b1, s.t5, "completed")
    s.e6b = enrol(s.b1, s.t6, "confirmed")
    enrol(s.old, s.t1, "completed")
    set_places_taken(s.a1, s.a2, s.b1, s.old)

    first = make_session(s.a1, 1, at(10, 1))
    second = make_session(s.a1, 2, at(11, 5))
    Attendance.objects.create(session=first, enrolment=s.e1, present=True)
    Attendance.objects.create(session=second, enrolment=s.e1, present=True)
    Attendance.objects.create(session=first, enrolment=s.e2, present=True)
    Attendance.objects.create(session=second, enrolment=s.e2, present=False)
    b_first = make_session(s.b1, 1, at(10, 2))
    Attendance.objects.create(session=b_first, enrolment=s.e5b, present=True)
    Attendance.objects.create(session=b_first, enrolment=s.e6b, present=False)

    mastery = NationalProject.objects.get(slug="teaching-for-mastery")
    ProjectParticipation.objects.create(hub=hub, project=mastery, academic_year=YEAR)
    exchange_year = ExchangeYear.objects.create(academic_year=YEAR)
    for name in ("Hana Host", "Ian Ivory"):
        ExchangeTeacher.objects.create(
            hub=hub, exchange_year=exchange_year, teacher_name=name, school=s.s1, phase="primary"
        )
    Allocation.objects.create(
        hub=hub, academic_year=YEAR, category="structural", amount=Decimal("1000.00")
    )
    Allocation.objects.create(
        hub=great_north, academic_year=YEAR, category="structural", amount=Decimal("500.00")
    )
    for category, amount in (("classroom_cpd", "300.00"), ("events", "100.00")):
        Spend.objects.create(
            hub=hub,
            category=category,
            amount=Decimal(amount),
            description="Cover",
            spent_on=at(10, 1).date(),
        )
    return s


@pytest.fixture
def staff_client(client, ncetm_staff):
    client.force_login(ncetm_staff)
    return client


def rows_by_hub(report) -> dict:
    return {row.hub.slug: row.figures for row in report.rows}


# --- The figures, against the hand count ---------------------------------------------------


def test_each_hub_row_matches_the_hand_count(network):
    filters = Filters(year=YEAR)
    report = network_report(filters, scoped_hubs(filters, STAFF), totals=True, regions=True)
    a, b, c = (
        rows_by_hub(report)[slug] for slug in ("archimedes-ne", "great-north", "north-west-one")
    )

    # Withdrawn (t3) and waiting (t4) do not engage s2; t7 (confirmed) does.
    assert (a.schools, a.teachers, a.held, a.completed, a.waiting) == (3, 4, 4, 1, 1)
    # Its area: s1, s2, s6, s7 (s4 is closed); engaged there: s1, s2 (s3 is in B's area).
    assert (a.area_schools, a.area_engaged, a.area_share) == (4, 2, Decimal("50.0"))
    assert (a.national_groups, a.local_groups) == (1, 1)  # the draft is not run
    assert (a.places_offered, a.places_filled) == (15, 4)
    assert (a.attendance_rate, a.completion_rate) == (Decimal("75.0"), Decimal("25.0"))
    assert (a.projects, a.exchange) == (1, 2)
    assert (a.allocated, a.spent, a.cpd_share) == (
        Decimal("1000.00"),
        Decimal("400.00"),
        Decimal("75.0"),
    )

    assert (b.schools, b.teachers, b.area_schools, b.area_engaged) == (2, 2, 1, 1)
    assert (b.attendance_rate, b.completion_rate, b.places_filled) == (
        Decimal("50.0"),
        Decimal("50.0"),
        2,
    )
    assert (c.schools, c.area_schools, c.area_share, c.attendance_rate) == (
        0,
        1,
        Decimal("0.0"),
        None,
    )


def test_a_school_with_teachers_in_two_hubs_counts_once_nationally(network):
    filters = Filters(year=YEAR)
    report = network_report(filters, scoped_hubs(filters, STAFF), totals=True, regions=True)
    total = report.total

    assert sum(row.figures.schools for row in report.rows) == 5  # s1 and s3 in both hubs
    assert total.schools == 3
    assert sum(row.figures.teachers for row in report.rows) == 6  # t5 in both hubs
    assert total.teachers == 5
    # Lancashire's school is in two hubs' areas: eight area places, seven schools.
    assert sum(row.figures.area_schools for row in report.rows) == 8
    assert (total.area_schools, total.area_engaged, total.area_share) == (7, 3, Decimal("42.9"))
    assert (total.national_groups, total.local_groups, total.places_offered) == (1, 2, 23)
    assert (total.places_filled, total.waiting) == (6, 1)
    assert (total.attendance_rate, total.completion_rate) == (Decimal("66.7"), Decimal("33.3"))
    assert (total.allocated, total.spent) == (Decimal("1500.00"), Decimal("400.00"))

    north_east = next(region for region in report.regions if region.code == NORTH_EAST)
    assert (north_east.hubs, north_east.figures.schools, north_east.figures.teachers) == (2, 3, 5)


def test_a_region_filter_counts_the_regions_hubs_and_their_areas_once(network):
    filters = Filters(year=YEAR, region_code=NORTH_EAST)
    hubs = scoped_hubs(filters, STAFF)
    report = network_report(filters, hubs, totals=True)

    assert sorted(hub.slug for hub in hubs) == ["archimedes-ne", "great-north"]
    assert (report.total.schools, report.total.teachers) == (3, 5)
    assert (report.total.area_schools, report.total.area_engaged) == (5, 3)
    assert report.total.area_share == Decimal("60.0")


def test_the_phase_filter_counts_schools_by_their_phase_and_work_groups_by_theirs(network):
    filters = Filters(year=YEAR, phase="primary")
    report = network_report(filters, scoped_hubs(filters, STAFF), totals=True)
    a = rows_by_hub(report)["archimedes-ne"]

    # Teachers from s2 (secondary) drop out: t1, t2 (s1) and t5 (s3) remain.
    assert (a.schools, a.teachers, a.held, a.completed, a.waiting) == (2, 3, 3, 1, 0)
    # Primary schools in the area: s1, s6 and s7 (middle deemed primary).
    assert (a.area_schools, a.area_engaged) == (3, 1)
    # Only a1 is for primary (a2 is secondary).
    assert (a.national_groups, a.local_groups, a.places_offered, a.places_filled) == (1, 0, 10, 3)
    assert a.attendance_rate == Decimal("75.0")


def test_other_years_do_not_count(network):
    filters = Filters(year=LAST_YEAR)
    a = rows_by_hub(network_report(filters, scoped_hubs(filters, STAFF), totals=True))[
        "archimedes-ne"
    ]
    assert (a.schools, a.teachers, a.local_groups, a.places_offered, a.projects) == (1, 1, 1, 12, 0)


def test_fsm_bands_are_national_quintiles_and_each_school_counts_once(network):
    filters = Filters(year=YEAR)
    gaps = closing_the_gaps(filters, [hub.pk for hub in scoped_hubs(filters, STAFF)], union=True)

    # Open schools with a figure: 5, 10, 20, 30 and 50% (the closed school's 1% is left out).
    assert [band.label for band in gaps.bands] == [
        "Band 1, lowest: up to 5.0%",
        "Band 2: over 5.0% up to 10.0%",
        "Band 3: over 10.0% up to 20.0%",
        "Band 4: over 20.0% up to 30.0%",
        "Band 5, highest: over 30.0%",
        "No FSM figure in the register",
    ]
    national = {band: (c.schools, c.engaged) for band, c in gaps.union_bands.items()}
    assert national == {1: (1, 1), 2: (1, 0), 3: (1, 0), 4: (1, 1), 5: (1, 1), None: (2, 0)}
    phases = {name: (c.schools, c.engaged) for name, c in gaps.union_phases.items()}
    assert phases == {"primary": (5, 2), "secondary": (2, 1)}

    a = network.hub.pk
    assert {band: (c.schools, c.engaged) for band, c in gaps.hub_bands[a].items()} == {
        1: (1, 1),
        3: (1, 0),
        4: (1, 1),
        None: (1, 0),
    }
    assert {name: (c.schools, c.engaged) for name, c in gaps.hub_phases[a].items()} == {
        "primary": (3, 1),
        "secondary": (1, 1),
    }


def test_the_gap_is_band_5_minus_band_1_in_percentage_points():
    assert band_gap({1: Coverage(4, 1), 5: Coverage(4, 2)}) == Decimal("25.0")
    assert band_gap({1: Coverage(4, 2), 5: Coverage(5, 0)}) == Decimal("-50.0")
    assert band_gap({1: Coverage(4, 2)}) is None
    assert show(Decimal("-50.0"), POINTS) == "\N{MINUS SIGN}50.0"
    assert show(Decimal("25.0"), POINTS) == "+25.0"


def test_the_trend_counts_each_year_on_its_own(network):
    rows = {row.year: row for row in yearly_totals(Filters(year=YEAR), None)}

    assert (rows[LAST_YEAR].schools, rows[LAST_YEAR].teachers, rows[LAST_YEAR].groups) == (1, 1, 1)
    assert rows[LAST_YEAR].completion_rate == Decimal("100.0")
    assert (rows[YEAR].schools, rows[YEAR].teachers, rows[YEAR].groups) == (3, 5, 3)
    assert (rows[YEAR].places_offered, rows[YEAR].places_filled, rows[YEAR].waiting) == (23, 6, 1)


def test_the_pages_show_the_hand_counted_figures(staff_client, network):
    text = words(staff_client.get(NATIONAL, {"year": YEAR}))
    assert "England: all hubs (each school and teacher once)" in text
    assert "42.9%" in text
    assert "66.7%" in text
    assert "£1,500.00" in text

    text = words(staff_client.get(GAPS, {"year": YEAR}))
    assert "Band 1, lowest: up to 5.0%" in text
    assert "40.0%" in text  # primary: 2 of 5 schools

    text = words(staff_client.get(reverse("reports:workgroup", args=["a1"])))
    # Confirmed t1 and t7, completed t2, withdrawn t3; two schools; session 2: 1 of 2.
    assert "3 of 10 places filled" in text
    assert "Alpha Primary" in text
    assert "Beta Academy" in text
    assert "50.0%" in text
    assert "33.3%" in text


# --- Who sees what -----------------------------------------------------------------------


def report_urls(network) -> list[str]:
    return [
        NATIONAL,
        GAPS,
        TREND,
        reverse("reports:region", args=[NORTH_EAST]),
        reverse("reports:hub", args=[network.hub.slug]),
        reverse("reports:workgroup", args=["a1"]),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, network):
    for url in report_urls(network):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login"))


def test_teachers_are_refused(client, network):
    client.force_login(network.t1)
    for url in report_urls(network):
        assert client.get(url).status_code == 403, url


def test_ncetm_staff_and_superusers_see_every_page(client, network, ncetm_staff):
    from accounts.models import User

    admin = activate_totp(User.objects.create_superuser("admin@example.org", "Sup3r-secret-admin"))
    for user in (ncetm_staff, admin):
        client.force_login(user)
        for url in [
            *report_urls(network),
            reverse("reports:hub", args=["great-north"]),
            reverse("reports:workgroup", args=["b1"]),
        ]:
            assert client.get(url, {"year": YEAR}).status_code == 200, url


def test_a_hub_team_sees_its_own_hub_only(client, network, hub_lead, hub_member):
    for person in (hub_lead, hub_member):
        client.force_login(person)
        response = client.get(NATIONAL, {"year": YEAR})
        assert response.status_code == 200
        report = response.context["report"]
        assert [row.hub.slug for row in report.rows] == ["archimedes-ne"]
        assert report.total is None
        assert report.regions is None
        text = words(response)
        assert "England: all hubs" not in text
        assert "Great North" not in text
        assert "You are seeing your own hub\N{RIGHT SINGLE QUOTATION MARK}s figures only." in text

        gaps = words(client.get(GAPS, {"year": YEAR}))
        assert "Great North" not in gaps
        assert "Your hubs\N{RIGHT SINGLE QUOTATION MARK} areas" in gaps
        assert client.get(reverse("reports:hub", args=[network.hub.slug])).status_code == 200
        assert client.get(reverse("reports:workgroup", args=["a1"])).status_code == 200
        # Another hub's pages might as well not exist.
        assert client.get(reverse("reports:hub", args=["great-north"])).status_code == 404
        assert client.get(reverse("reports:workgroup", args=["b1"])).status_code == 404


def test_a_hub_teams_trend_counts_its_hub_only(client, network, hub_lead):
    client.force_login(hub_lead)
    table = client.get(TREND).context["tables"]["trend"]
    rows = {row[0]: row[1:3] for row in table.rows}
    # This year: A's schools s1, s2, s3 and teachers t1, t2, t5, t7, not B's t6.
    assert rows == {academic_year_label(LAST_YEAR): [1, 1], academic_year_label(YEAR): [3, 4]}


def test_another_hubs_lead_gets_a_404_for_this_hubs_pages(client, network, other_hub_lead):
    client.force_login(other_hub_lead)
    assert client.get(reverse("reports:hub", args=[network.hub.slug])).status_code == 404
    assert client.get(reverse("reports:workgroup", args=["a1"])).status_code == 404
    response = client.get(NATIONAL, {"year": YEAR})
    assert [row.hub.slug for row in response.context["report"].rows] == ["north-west-one"]


def test_reports_are_read_only(staff_client, network):
    assert staff_client.post(NATIONAL).status_code == 405


# --- Filters and drill-down ------------------------------------------------------------


def test_filters_live_in_the_url_and_drill_down_links_keep_them(staff_client, network):
    response = staff_client.get(NATIONAL, {"year": YEAR, "region": NORTH_EAST, "phase": "primary"})
    html = response.content.decode()
    assert [row.hub.slug for row in response.context["report"].rows] == [
        "archimedes-ne",
        "great-north",
    ]
    hub_url = f"{reverse('reports:hub', args=['archimedes-ne'])}?year={YEAR}&amp;phase=primary"
    assert hub_url in html
    assert f"{reverse('reports:region', args=[NORTH_EAST])}?year={YEAR}&amp;phase=primary" in html

    hub_page = staff_client.get(reverse("reports:hub", args=["archimedes-ne"]), {"year": YEAR})
    assert reverse("reports:workgroup", args=["a1"]) in hub_page.content.decode()
    assert "Mastery readiness" in words(hub_page)


def test_a_region_page_shows_the_regions_hubs_with_its_totals(staff_client, network):
    response = staff_client.get(reverse("reports:region", args=[NORTH_EAST]), {"year": YEAR})
    assert response.status_code == 200
    assert response.context["report"].total.schools == 3
    text = words(response)
    assert "Hubs based in North East" in text
    assert "All hubs based in North East (each school and teacher once)" in text
    assert staff_client.get(reverse("reports:region", args=["E99999999"])).status_code == 404


def test_a_filter_not_on_the_list_is_reported_and_left_out(staff_client, network):
    response = staff_client.get(NATIONAL, {"year": "1999", "region": "nowhere", "phase": "x"})
    assert response.status_code == 200
    text = words(response)
    assert "There is a problem" in text
    assert "Choose an academic year from the list." in text
    assert "Choose a region from the list." in text
    assert response.context["filters"] == Filters(year=YEAR)


def test_no_year_means_this_school_year(staff_client, network):
    response = staff_client.get(NATIONAL, {"phase": "primary"})
    assert response.context["filters"].year == YEAR
    assert f'<option value="{YEAR}" selected>' in response.content.decode()


# --- Charts ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["national", "gaps", "trend"])
def test_charts_are_svg_without_script_or_inline_style(staff_client, network, name):
    html = staff_client.get(reverse(f"reports:{name}"), {"year": YEAR}).content.decode()
    assert '<svg class="chart-svg"' in html
    assert 'role="img"' in html
    assert "<title id=" in html
    assert "<figcaption id=" in html
    assert "<script" not in html
    assert "<style" not in html
    assert "style=" not in html


def test_the_hub_page_charts_its_bands_and_its_trend(staff_client, network):
    response = staff_client.get(reverse("reports:hub", args=[network.hub.slug]), {"year": YEAR})
    html = response.content.decode()
    assert html.count('role="img"') == 2
    assert "<script" not in html
    assert "style=" not in html
    chart = response.context["fsm_chart"]
    assert [bar.text for bar in chart.bars] == ["100.0%", "no data", "0.0%", "100.0%", "no data"]


# --- Downloads ---------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_table_downloads_as_csv(staff_client, network):
    response = staff_client.get(NATIONAL, {"year": YEAR, "format": "csv", "table": "hubs"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="maths-hubs-england')
    lines = read_csv(response)
    assert lines[0][:4] == [
        "Hub",
        "Schools engaged",
        "Open schools in the area",
        "Share of the area\N{RIGHT SINGLE QUOTATION MARK}s schools engaged (%)",
    ]
    archimedes = next(line for line in lines if line[0] == "Archimedes NE Maths Hub")
    assert archimedes[1:5] == ["3", "4", "50.0", "4"]
    assert lines[-1][:2] == ["England: all hubs (each school and teacher once)", "3"]

    page = staff_client.get(NATIONAL, {"year": YEAR})
    for key, table in page.context["tables"].items():
        download = staff_client.get(NATIONAL + table.csv_url)
        assert download.status_code == 200, key
        assert read_csv(download)[0][0] == table.columns[0].heading


def test_the_page_downloads_as_an_excel_workbook(staff_client, network):
    response = staff_client.get(NATIONAL, {"year": YEAR, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 4  # hubs, support, engagement, regions
    sheet = workbook[workbook.sheetnames[1]]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    archimedes = next(line for line in values if line[0] == "Archimedes NE Maths Hub")
    assert archimedes[1:6] == [1, 2, Decimal("1000.00"), Decimal("400.00"), 75.0]
    assert sheet.cell(row=2, column=4).number_format == "£#,##0.00"

    one = staff_client.get(NATIONAL, {"year": YEAR, "format": "xlsx", "table": "regions"})
    assert load_workbook(io.BytesIO(one.content)).sheetnames == [
        f"Engagement by region, {academic_year_label(YEAR)}"
    ]


def test_text_that_looks_like_a_formula_is_defused(staff_client, network):
    WorkGroup.objects.filter(pk=network.a2.pk).update(title='=HYPERLINK("http://x","y")')
    url = reverse("reports:hub", args=[network.hub.slug])

    lines = read_csv(staff_client.get(url, {"year": YEAR, "format": "csv", "table": "workgroups"}))
    titles = [line[0] for line in lines]
    assert '\'=HYPERLINK("http://x","y")' in titles

    book = staff_client.get(url, {"year": YEAR, "format": "xlsx", "table": "workgroups"})
    sheet = load_workbook(io.BytesIO(book.content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    formula = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"
    for text in ("+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert defuse(text) == "'" + text
    assert defuse("Alpha Primary") == "Alpha Primary"
    assert defuse(-3) == -3


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_title_that_a_spreadsheet_would_run_is_defused(staff_client, network, start):
    WorkGroup.objects.filter(pk=network.a2.pk).update(title=f"{start}SUM(A1)")
    url = reverse("reports:hub", args=[network.hub.slug])

    lines = read_csv(staff_client.get(url, {"year": YEAR, "format": "csv", "table": "workgroups"}))
    row = next(line for line in lines if line[0].endswith("SUM(A1)"))
    assert row[0] == f"'{start}SUM(A1)"
    # The counts beside it are plain numbers: places offered, then places filled.
    assert row[2:4] == ["5", "1"]


def test_an_unknown_table_or_format_is_not_found(staff_client, network):
    assert staff_client.get(NATIONAL, {"format": "csv", "table": "nope"}).status_code == 404
    assert staff_client.get(NATIONAL, {"format": "pdf"}).status_code == 404


# --- A fixed number of queries, whatever the size of the network ---------------------------


def grow(network, groups: int = 4, teachers_each: int = 6) -> None:
    """More hubs' Work Groups, enrolments, sessions, attendance, projects and money."""
    hubs = list(Hub.objects.exclude(pk=network.hub.pk).order_by("name")[:groups])
    school = make_school(la_code="841", fsm_percentage=Decimal("12.5"))
    for hub in hubs:
        group = make_workgroup(hub, capacity=teachers_each * 2)
        session = make_session(group, 1, at(10, 3))
        for _ in range(teachers_each):
            enrolment = enrol(group, make_teacher(school=school), "confirmed")
            Attendance.objects.create(session=session, enrolment=enrolment, present=True)
        set_places_taken(group)
        Allocation.objects.create(
            hub=hub, academic_year=YEAR, category="structural", amount=Decimal("10.00")
        )
        Spend.objects.create(
            hub=hub,
            category="travel",
            amount=Decimal("5.00"),
            description="Train",
            spent_on=at(10, 1).date(),
        )
    extra = make_workgroup(network.hub, capacity=6)
    for _ in range(3):
        enrol(extra, make_teacher(school=school), "waiting")
    make_session(network.a1, 3, at(12, 1))


def test_the_national_page_runs_a_fixed_number_of_queries(
    staff_client, network, django_assert_num_queries
):
    params = {"year": YEAR, "phase": "primary"}
    # 1 session, 2 user, 3 the two-factor check, 4 regions for the filter, 5 the
    # hubs with their regions, 6 enrolments per hub, 7 open schools in each hub's
    # area (and their union), 8 attendance per hub, 9 Work Groups per hub,
    # 10 project participations, 11 exchange teachers, 12 allocations, 13 spending,
    # 14 distinct schools and teachers (and engaged schools in any hub's area)
    # over every hub, 15 per region.
    with django_assert_num_queries(15):
        assert staff_client.get(NATIONAL, params).status_code == 200
    grow(network)
    with django_assert_num_queries(15):
        assert staff_client.get(NATIONAL, params).status_code == 200
    # A download runs the page's queries and no more.
    with django_assert_num_queries(15):
        staff_client.get(NATIONAL, {**params, "format": "xlsx"})


def test_the_region_page_runs_a_fixed_number_of_queries(
    staff_client, network, django_assert_num_queries
):
    url = reverse("reports:region", args=[NORTH_EAST])
    # 1 session, 2 user, 3 the two-factor check, 4 the region, 5 the region's
    # hubs, 6-13 as the national page, 14 distinct schools and teachers over the
    # region's hubs.
    with django_assert_num_queries(14):
        assert staff_client.get(url, {"year": YEAR}).status_code == 200
    grow(network)
    with django_assert_num_queries(14):
        assert staff_client.get(url, {"year": YEAR}).status_code == 200


def test_the_gaps_page_runs_a_fixed_number_of_queries(
    staff_client, network, django_assert_num_queries
):
    # 1 session, 2 user, 3 the two-factor check, 4 regions for the filter, 5 the
    # hubs, 6 schools in the areas by FSM band and phase, per hub and over the
    # union (one query).
    with django_assert_num_queries(6):
        assert staff_client.get(GAPS, {"year": YEAR}).status_code == 200
    grow(network)
    with django_assert_num_queries(6):
        assert staff_client.get(GAPS, {"year": YEAR}).status_code == 200


def test_the_trend_page_runs_a_fixed_number_of_queries(
    staff_client, network, django_assert_num_queries
):
    # 1 session, 2 user, 3 the two-factor check, 4 regions for the filter, 5 Work
    # Groups per year, 6 enrolments this year and later, 7 enrolments in earlier
    # years (cached after).
    with django_assert_num_queries(7):
        assert staff_client.get(TREND).status_code == 200
    with django_assert_num_queries(6):
        assert staff_client.get(TREND).status_code == 200
    grow(network)
    cache.clear()
    with django_assert_num_queries(7):
        assert staff_client.get(TREND).status_code == 200


def test_the_hub_page_runs_a_fixed_number_of_queries(
    client, network, hub_lead, django_assert_num_queries
):
    client.force_login(hub_lead)
    url = reverse("reports:hub", args=[network.hub.slug])
    # 1 session, 2 user, 3 the two-factor check, 4 the reader's hubs, 5 the hub,
    # 6-13 its row (enrolments, area, attendance, Work Groups, projects,
    # exchange, allocations, spending), 14 its Work Groups with their
    # enrolments, 15 their attendance, 16 its area by band and phase, 17-19 its
    # trend (Work Groups, this year, earlier years), 20 whether to offer the hub
    # workspace in the header.
    with django_assert_num_queries(20):
        assert client.get(url, {"year": YEAR}).status_code == 200
    grow(network)
    cache.clear()
    with django_assert_num_queries(20):
        assert client.get(url, {"year": YEAR}).status_code == 200


def test_the_work_group_page_runs_a_fixed_number_of_queries(
    staff_client, network, django_assert_num_queries
):
    url = reverse("reports:workgroup", args=["a1"])
    # 1 session, 2 user, 3 the two-factor check, 4 the group with hub, region and
    # programme, 5 enrolments by status, 6 sessions with attendance, 7 schools.
    with django_assert_num_queries(7):
        assert staff_client.get(url).status_code == 200
    grow(network)
    for _ in range(5):
        enrol(network.a1, make_teacher(school=make_school()), "confirmed")
    with django_assert_num_queries(7):
        assert staff_client.get(url).status_code == 200
