"""Funding: money is exact, absurd figures are refused, sums are the database's, and only
the hub's team and NCETM staff see it."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hubs.models import AuditEntry, Hub
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from hubs_portal.lib.figures import percentage
from projects.forms import AllocationForm, MoneyField, SpendForm
from projects.models import Allocation, NationalProject, ProjectParticipation, Spend
from projects.services import funding_summary, spending_by_category
from tests.factories import make_teacher

THIS_YEAR = current_academic_year()
THIS_YEAR_START = date(THIS_YEAR, 9, 1)  # never in the future: today is in this school year


def url(name: str, hub: Hub, *args) -> str:
    return reverse(f"manage-funding:{name}", args=[hub.slug, *args])


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def mastery(reference_data) -> NationalProject:
    return NationalProject.objects.get(slug="teaching-for-mastery")


@pytest.fixture
def other_hub(reference_data) -> Hub:
    return Hub.objects.get(slug="north-west-one")


def allocate(hub, amount: str, category="structural", project=None, year=THIS_YEAR, **extra):
    return Allocation.objects.create(
        hub=hub,
        academic_year=year,
        category=category,
        project=project,
        amount=Decimal(amount),
        **extra,
    )


def spend(hub, amount: str, category="classroom_cpd", spent_on=THIS_YEAR_START, **extra):
    extra.setdefault("description", "Supply cover")
    return Spend.objects.create(
        hub=hub, amount=Decimal(amount), category=category, spent_on=spent_on, **extra
    )


@pytest.fixture
def hand_counted_year(hub, other_hub, mastery):
    """A year whose figures are worked out by hand in the tests below."""
    allocate(hub, "45000.00")
    allocate(hub, "12500.50", category="project", project=mastery, sponsor="dfe")
    spend(hub, "1200.10")
    spend(hub, "333.33", spent_on=THIS_YEAR_START + timedelta(days=1))
    spend(hub, "999.99", category="leadership")
    spend(hub, "0.01", category="travel")
    # None of these count: another year, another hub.
    allocate(hub, "99999.99", year=THIS_YEAR - 1)
    spend(hub, "777.77", spent_on=date(THIS_YEAR - 1, 10, 1))
    allocate(other_hub, "50000.00")
    spend(other_hub, "5000.00")
    return hub


# ---- Money in forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-50", "The amount cannot be negative."),
        ("-£50.00", "The amount cannot be negative."),
        ("0", "Enter an amount of at least 1p"),
        ("0.00", "Enter an amount of at least 1p"),
        ("12.345", "no more than two figures after the point"),
        ("0.001", "no more than two figures after the point"),
        ("1000000.01", "One line cannot be more than £1,000,000."),
        ("25000000", "One line cannot be more than £1,000,000."),
        ("1e9", "One line cannot be more than £1,000,000."),
        ("twelve pounds", "Enter the amount in pounds and pence"),
        ("NaN", "Enter the amount in pounds and pence"),
        ("Infinity", "Enter the amount in pounds and pence"),
        ("", "Enter the amount."),
    ],
)
def test_the_money_field_refuses_with_a_clear_message(typed, message):
    with pytest.raises(ValidationError) as refused:
        MoneyField().clean(typed)
    assert message in refused.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1250.5", Decimal("1250.50")),
        ("£1,250.50", Decimal("1250.50")),
        (" 0.01 ", Decimal("0.01")),
        ("1000000", Decimal("1000000.00")),
        ("0.10", Decimal("0.10")),
    ],
)
def test_the_money_field_keeps_pounds_and_pence_exact(typed, amount):
    cleaned = MoneyField().clean(typed)
    assert cleaned == amount
    assert isinstance(cleaned, Decimal)
    assert cleaned.as_tuple().exponent == -2


def test_project_costs_must_name_a_project(reference_data):
    form = AllocationForm(
        {"academic_year": THIS_YEAR, "sponsor": "dfe", "category": "project", "amount": "100"}
    )
    assert not form.is_valid()
    assert form.errors["project"] == ["Choose the project these project costs are for."]


def test_structural_costs_are_for_no_project(mastery):
    form = AllocationForm(
        {
            "academic_year": THIS_YEAR,
            "sponsor": "dfe",
            "category": "structural",
            "project": mastery.pk,
            "amount": "100",
        }
    )
    assert not form.is_valid()
    assert "Structural costs are not for one project" in form.errors["project"][0]


def test_a_project_allocation_must_fall_in_the_projects_years(reference_data):
    exchange = NationalProject.objects.get(slug="england-china-exchange")
    form = AllocationForm(
        {
            "academic_year": THIS_YEAR,
            "sponsor": "dfe",
            "category": "project",
            "project": exchange.pk,
            "amount": "100",
        }
    )
    assert not form.is_valid()
    assert "ran in 2014-15 to 2018-19" in form.errors["project"][0]


def test_spending_cannot_be_dated_in_the_future(reference_data):
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = SpendForm(
        {
            "spent_on": tomorrow.isoformat(),
            "category": "classroom_cpd",
            "amount": "10",
            "description": "Cover",
        }
    )
    assert not form.is_valid()
    assert form.errors["spent_on"] == [
        "Record spending once it has happened: the date cannot be in the future."
    ]


# ---- Money in the database --------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["-1.00", "0.00", "1000000.01", "99999999.99"])
def test_the_database_refuses_amounts_out_of_range(hub, amount):
    with pytest.raises(IntegrityError), transaction.atomic():
        allocate(hub, amount)
    with pytest.raises(IntegrityError), transaction.atomic():
        spend(hub, amount)


def test_the_database_accepts_the_limits(hub):
    assert allocate(hub, "0.01").amount == Decimal("0.01")
    assert spend(hub, "1000000.00").amount == Decimal("1000000.00")


def test_the_database_refuses_project_costs_without_a_project(hub, mastery):
    with pytest.raises(IntegrityError), transaction.atomic():
        allocate(hub, "100.00", category="project", project=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        allocate(hub, "100.00", category="structural", project=mastery)


def test_model_validation_refuses_three_decimal_places(hub):
    allocation = Allocation(
        hub=hub, academic_year=THIS_YEAR, category="structural", amount=Decimal("10.005")
    )
    with pytest.raises(ValidationError) as refused:
        allocation.full_clean()
    assert "amount" in refused.value.message_dict


def test_amounts_come_back_as_exact_decimals(hub):
    stored = allocate(hub, "0.10")
    allocate(hub, "0.20")
    assert Allocation.objects.get(pk=stored.pk).amount == Decimal("0.10")
    # 0.1 + 0.2 is exactly 0.3 in pounds and pence (it is not in floats).
    assert funding_summary(hub=hub, academic_year=THIS_YEAR)["allocated"] == Decimal("0.30")


def test_a_spends_academic_year_follows_its_date(hub):
    assert spend(hub, "1.00", spent_on=date(2019, 8, 31)).academic_year == 2018
    assert spend(hub, "1.00", spent_on=date(2019, 9, 1)).academic_year == 2019


# ---- Sums, counted by hand --------------------------------------------------------------------


def test_the_years_figures_are_summed_in_the_database(hand_counted_year):
    summary = funding_summary(hub=hand_counted_year, academic_year=THIS_YEAR)

    assert summary["allocated"] == Decimal("57500.50")  # 45,000.00 + 12,500.50
    assert summary["allocated_structural"] == Decimal("45000.00")
    assert summary["allocated_project"] == Decimal("12500.50")
    # 1,200.10 + 333.33 + 999.99 + 0.01
    assert summary["spent"] == Decimal("2533.43")
    assert summary["balance"] == Decimal("54967.07")  # 57,500.50 - 2,533.43
    assert summary["classroom_cpd"] == Decimal("1533.43")  # 1,200.10 + 333.33
    # 1,533.43 / 2,533.43 = 60.528...%
    assert summary["classroom_cpd_share"] == Decimal("60.5")
    assert all(isinstance(value, Decimal) for key, value in summary.items() if key != "spent_lines")


def test_spending_by_category_lists_every_category(hand_counted_year):
    rows = {
        row["category"]: row
        for row in spending_by_category(hub=hand_counted_year, academic_year=THIS_YEAR)
    }

    assert list(rows) == [choice for choice, _ in Spend.Category.choices]
    assert rows["classroom_cpd"]["total"] == Decimal("1533.43")
    assert rows["leadership"]["total"] == Decimal("999.99")
    assert rows["leadership"]["share"] == Decimal("39.5")  # 999.99 / 2,533.43 = 39.471...%
    assert rows["travel"]["share"] == Decimal("0.0")  # 0.01 / 2,533.43
    assert rows["events"]["total"] == Decimal("0.00")


def test_shares_round_half_up_and_an_empty_year_has_none():
    assert percentage(Decimal("1"), Decimal("8")) == Decimal("12.5")
    assert percentage(Decimal("1"), Decimal("16")) == Decimal("6.3")  # 6.25 rounds up
    assert percentage(Decimal("0"), Decimal("0")) is None


def test_the_funding_page_shows_the_hand_counted_figures(lead_client, hand_counted_year):
    response = lead_client.get(url("home", hand_counted_year))
    text = words(response)

    assert response.status_code == 200
    assert "£57,500.50 allocated" in text
    assert "£2,533.43 spent" in text
    assert "£54,967.07 left to spend" in text
    assert "60.5% of spending on classroom-based CPD (£1,533.43)" in text
    assert "£99,999.99" not in text  # last year's
    assert "£50,000.00" not in text  # another hub's


def test_an_overspent_year_says_so(lead_client, hub):
    allocate(hub, "100.00")
    spend(hub, "150.25")
    text = words(lead_client.get(url("home", hub)))
    assert "\N{MINUS SIGN}£50.25 overspent" in text


def test_another_year_is_chosen_in_the_query_string(lead_client, hand_counted_year):
    response = lead_client.get(url("home", hand_counted_year), {"year": THIS_YEAR - 1})
    summary = response.context["summary"]
    assert (summary["allocated"], summary["spent"]) == (Decimal("99999.99"), Decimal("777.77"))
    assert f"Funding, {academic_year_label(THIS_YEAR - 1)}" in words(response)


def test_an_empty_year_shows_zeros(lead_client, hub):
    text = words(lead_client.get(url("home", hub)))
    assert "£0.00 allocated" in text
    assert "no spending recorded yet" in text


def test_the_funding_page_runs_a_fixed_number_of_queries(
    lead_client, hand_counted_year, mastery, django_assert_num_queries
):
    for n in range(5):
        spend(hand_counted_year, f"{n + 1}.00", project=mastery)
        allocate(hand_counted_year, f"{n + 1}.00", category="project", project=mastery)
    lead_client.get(url("home", hand_counted_year))

    # Session, user, the two-factor check, hub, membership (access, also what
    # the user may record); the years with records; allocation sums; spending
    # sums; spending by category; allocation lines with projects; spending
    # lines with projects.
    with django_assert_num_queries(11):
        assert lead_client.get(url("home", hand_counted_year)).status_code == 200


# ---- Recording and removing ---------------------------------------------------------------------


def test_a_lead_records_spending_with_an_audit_entry(lead_client, hub, hub_lead, mastery):
    response = lead_client.post(
        url("spend-add", hub),
        {
            "spent_on": THIS_YEAR_START.isoformat(),
            "category": "classroom_cpd",
            "project": mastery.pk,
            "amount": "£1,480.50",
            "description": "Supply cover for the autumn Work Group",
        },
    )
    assert response.status_code == 302
    line = Spend.objects.get()
    assert (line.amount, line.academic_year, line.recorded_by) == (
        Decimal("1480.50"),
        THIS_YEAR,
        hub_lead,
    )
    entry = AuditEntry.objects.get(action="spend.record")
    assert entry.after["amount"] == "1480.50"
    assert entry.after["academic_year"] == THIS_YEAR


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-100", "The amount cannot be negative."),
        ("0", "Enter an amount of at least 1p"),
        ("10.999", "no more than two figures after the point"),
        ("4500000", "One line cannot be more than £1,000,000."),
    ],
)
def test_refused_amounts_store_nothing_and_point_at_the_field(lead_client, hub, typed, message):
    spend_page = lead_client.post(
        url("spend-add", hub),
        {
            "spent_on": THIS_YEAR_START.isoformat(),
            "category": "classroom_cpd",
            "amount": typed,
            "description": "Supply cover",
        },
    )
    allocation_page = lead_client.post(
        url("allocation-add", hub),
        {"academic_year": THIS_YEAR, "sponsor": "dfe", "category": "structural", "amount": typed},
    )
    for response in (spend_page, allocation_page):
        assert response.status_code == 200
        html = response.content.decode()
        assert message in words(response)
        assert 'href="#id_amount"' in html  # the summary links to the field
        assert 'id="id_amount_error"' in html
        assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_amount"', html)
    assert not Spend.objects.exists()
    assert not Allocation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_lead_records_a_project_allocation(lead_client, hub, mastery):
    response = lead_client.post(
        url("allocation-add", hub),
        {
            "academic_year": THIS_YEAR,
            "sponsor": "dfe",
            "category": "project",
            "project": mastery.pk,
            "amount": "12500.50",
            "note": "Grant letter 2026/14",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('home', hub)}?year={THIS_YEAR}"
    allocation = Allocation.objects.get()
    assert (allocation.project, allocation.amount) == (mastery, Decimal("12500.50"))
    assert AuditEntry.objects.get().action == "allocation.record"


def test_a_lead_removes_lines_recorded_by_mistake(lead_client, hub):
    allocation = allocate(hub, "100.00")
    line = spend(hub, "20.00")
    assert lead_client.post(url("allocation-remove", hub, allocation.pk)).status_code == 302
    assert lead_client.post(url("spend-remove", hub, line.pk)).status_code == 302
    assert not Allocation.objects.exists()
    assert not Spend.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions == {"allocation.remove", "spend.remove"}


# ---- Who sees and records money -----------------------------------------------------------------


def test_a_team_member_reads_but_does_not_record(client, hub, hub_member):
    allocation = allocate(hub, "100.00")
    client.force_login(hub_member)

    page = client.get(url("home", hub))
    assert page.status_code == 200
    assert url("spend-add", hub) not in page.content.decode()
    assert client.get(url("spend-add", hub)).status_code == 403
    assert client.get(url("allocation-add", hub)).status_code == 403
    refused = client.post(
        url("spend-add", hub),
        {
            "spent_on": THIS_YEAR_START.isoformat(),
            "category": "classroom_cpd",
            "amount": "10",
            "description": "x",
        },
    )
    assert refused.status_code == 403
    assert client.post(url("allocation-remove", hub, allocation.pk)).status_code == 403
    assert not Spend.objects.exists()
    assert Allocation.objects.count() == 1


def test_ncetm_staff_read_funding_and_record_allocations_but_not_spending(client, hub, ncetm_staff):
    client.force_login(ncetm_staff)
    assert client.get(url("home", hub)).status_code == 200

    allocated = client.post(
        url("allocation-add", hub),
        {"academic_year": THIS_YEAR, "sponsor": "dfe", "category": "structural", "amount": "45000"},
    )
    assert allocated.status_code == 302
    assert Allocation.objects.get().recorded_by == ncetm_staff

    assert client.get(url("spend-add", hub)).status_code == 403
    refused = client.post(
        url("spend-add", hub),
        {
            "spent_on": THIS_YEAR_START.isoformat(),
            "category": "classroom_cpd",
            "amount": "10",
            "description": "x",
        },
    )
    assert refused.status_code == 404
    assert not Spend.objects.exists()


def test_another_hubs_lead_and_a_teacher_get_404(client, hub, other_hub_lead):
    line = spend(hub, "20.00")
    for user in (other_hub_lead, make_teacher()):
        client.force_login(user)
        assert client.get(url("home", hub)).status_code == 404
        assert client.post(url("spend-remove", hub, line.pk)).status_code == 404
    assert Spend.objects.filter(pk=line.pk).exists()


def test_a_line_of_another_hub_is_not_found_through_this_hub(lead_client, hub, other_hub):
    theirs = spend(other_hub, "20.00")
    assert lead_client.post(url("spend-remove", hub, theirs.pk)).status_code == 404
    assert Spend.objects.filter(pk=theirs.pk).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, hub):
    response = client.get(url("home", hub))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_no_public_page_shows_money(client, hand_counted_year, mastery):
    ProjectParticipation.objects.create(
        hub=hand_counted_year, project=mastery, academic_year=THIS_YEAR
    )
    for page in (
        hand_counted_year.get_absolute_url(),
        reverse("projects:list"),
        mastery.get_absolute_url(),
    ):
        text = words(client.get(page))
        assert "£" not in text, page
