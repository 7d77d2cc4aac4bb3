from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from hubs.models import Organisation, Partnership, School, normalise_postcode
from hubs.services import lead_schools_link, partnership_add
from tests.factories import make_lead, make_school


@pytest.fixture
def second_hub_lead(hub):
    """Archimedes NE with a second current lead school beside Carmel College."""
    return make_lead(hub, make_school(name="Hummersknott Academy"))


def test_a_hub_may_have_two_current_lead_schools(hub, second_hub_lead):
    assert hub.partnerships.current().filter(role="lead").count() == 2


def test_a_third_current_lead_school_is_refused_with_a_clear_message(hub, second_hub_lead):
    third = make_school(name="Longfield Academy")
    with pytest.raises(ValidationError) as refused:
        partnership_add(hub=hub, role=Partnership.Role.LEAD_SCHOOL, school=third, by=None)
    message = " ".join(refused.value.messages)
    assert "already has two current lead schools" in message
    assert "Carmel College, Darlington" in message
    assert "Hummersknott Academy" in message
    assert hub.partnerships.filter(role="lead").count() == 2


def test_a_lead_school_that_has_ended_frees_its_place(hub, second_hub_lead):
    second_hub_lead.end_date = date.today() - timedelta(days=1)
    second_hub_lead.save()
    partnership_add(
        hub=hub,
        role=Partnership.Role.LEAD_SCHOOL,
        school=make_school(name="Longfield Academy"),
        by=None,
    )
    assert hub.partnerships.current().filter(role="lead").count() == 2


def test_partners_beyond_two_are_fine_for_other_roles(hub, second_hub_lead):
    for name in ["Durham University", "Teesside University", "Maths Association"]:
        partnership_add(
            hub=hub,
            role=Partnership.Role.STRATEGIC,
            organisation=Organisation.objects.create(name=name),
            by=None,
        )
    assert hub.partnerships.filter(role="strategic").count() == 3


def test_the_database_refuses_a_partner_that_is_both_school_and_organisation(hub):
    with pytest.raises(IntegrityError):
        Partnership.objects.create(
            hub=hub,
            role=Partnership.Role.OPERATIONAL,
            school=make_school(),
            organisation=Organisation.objects.create(name="Both At Once"),
        )


def test_the_database_refuses_a_partnership_naming_nobody(hub):
    with pytest.raises(IntegrityError):
        Partnership.objects.create(hub=hub, role=Partnership.Role.OPERATIONAL)


def test_the_database_refuses_an_organisation_as_lead_school(hub):
    with pytest.raises(IntegrityError):
        Partnership.objects.create(
            hub=hub,
            role=Partnership.Role.LEAD_SCHOOL,
            organisation=Organisation.objects.create(name="A University"),
        )


def test_end_date_before_start_date_is_refused(hub):
    partnership = Partnership(
        hub=hub,
        role=Partnership.Role.OPERATIONAL,
        recorded_name="Some Partner",
        start_date=date(2020, 9, 1),
        end_date=date(2019, 8, 31),
    )
    with pytest.raises(ValidationError, match="end date cannot be before the start date"):
        partnership.full_clean()


def test_fsm_percentage_outside_0_to_100_is_refused_by_the_database(reference_data):
    with pytest.raises(IntegrityError):
        make_school(fsm_percentage=101)


@pytest.mark.parametrize(
    ("typed", "stored"), [("dl3 8rw", "DL38RW"), ("  DL3   8RW ", "DL38RW"), ("", "")]
)
def test_postcodes_are_normalised_for_search(typed, stored):
    assert normalise_postcode(typed) == stored


def test_school_search_by_name_urn_and_postcode(reference_data):
    oak = make_school(name="Oakfield Primary School", postcode="DL3 8RW", urn=900123)
    make_school(name="Elm Tree Academy", postcode="TS1 2AB")
    closed = make_school(name="Oakfield Infants", status=School.Status.CLOSED, urn=900124)

    assert list(School.objects.search("oakfield")) == [oak]  # closed schools are left out
    assert list(School.objects.search("900123")) == [oak]
    assert list(School.objects.search("900124")) == [closed]  # ...unless asked by URN
    assert list(School.objects.search("dl3 8rw")) == [oak]
    assert list(School.objects.search("DL3")) == [oak]
    assert list(School.objects.search("12345678901234567890")) == []
    assert list(School.objects.search("   ")) == []


def test_lead_schools_recorded_by_name_are_linked_to_the_register(hub):
    carmel = make_school(name="Carmel College", la_code="841")
    make_school(name="Carmel College", la_code="202")  # same name, outside the hub's area

    linked, unlinked = lead_schools_link()

    lead = hub.partnerships.get(role="lead")
    assert lead.school == carmel
    assert linked == 1
    assert hub not in {p.hub for p in unlinked}


def test_an_ambiguous_lead_school_name_is_left_for_staff(hub):
    make_school(name="Carmel College", la_code="841")
    make_school(name="Carmel College", la_code="840")

    lead_schools_link()

    assert hub.partnerships.get(role="lead").school is None
