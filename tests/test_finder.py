import pytest
from django.db import connection
from django.urls import reverse

from hubs.models import School
from tests.factories import make_register, make_school
from tests.helpers import page_text

FIND = reverse("find-hub")


@pytest.fixture
def carmel(reference_data) -> School:
    return make_school(name="Carmel College", la_code="841", postcode="DL3 8RW", urn=900001)


def test_a_school_name_finds_the_hub_covering_it(client, carmel):
    text = page_text(client.get(FIND, {"q": "carmel"}))
    assert "1 school found for “carmel”" in text
    assert "Carmel College" in text
    assert "URN 900001" in text
    assert "Darlington" in text
    assert 'href="/hubs/archimedes-ne/"' in text


def test_a_urn_finds_the_school(client, carmel):
    text = page_text(client.get(FIND, {"q": "900001"}))
    assert "Carmel College" in text
    assert 'href="/hubs/archimedes-ne/"' in text


def test_a_postcode_with_or_without_its_space_finds_the_school(client, carmel):
    for typed in ["DL3 8RW", "dl38rw", "DL3"]:
        assert "Carmel College" in page_text(client.get(FIND, {"q": typed})), typed


# ---- Accents and punctuation ----------------------------------------------------


@pytest.fixture
def names_people_mistype(reference_data) -> None:
    for name in [
        "Brontë Fields Primary School",
        "Bronte Academy",
        "St Thérèse\u2019s Catholic Primary School",  # a typographic apostrophe, U+2019
        "St. Mary's Catholic College",
        "St Marys C of E Primary",
        "Stoke-on-Trent College",
    ]:
        make_school(name=name)


def names_found(client, typed: str) -> list[str]:
    response = client.get(FIND, {"q": typed})
    assert response.status_code == 200
    # Sorted here: the page's order follows the database's collation.
    return sorted(school.name for school in response.context["schools"])


BRONTES = ["Bronte Academy", "Brontë Fields Primary School"]
THERESE = ["St Thérèse\u2019s Catholic Primary School"]
MARYS = ["St Marys C of E Primary", "St. Mary's Catholic College"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("Bronte", BRONTES, id="plain-finds-accented"),
        pytest.param("BRONTË", BRONTES, id="accented-finds-plain"),
        pytest.param("bronte fields", BRONTES[1:], id="plain-words"),
        pytest.param("St Theres", THERESE, id="start-of-an-accented-word"),
        pytest.param("St Thérèse\u2019s", THERESE, id="as-written"),
        pytest.param("st therese's catholic", THERESE, id="ascii-apostrophe"),
        pytest.param("St. Mary's", MARYS, id="full-stop-and-apostrophe"),
        pytest.param("st marys", MARYS, id="without-punctuation"),
        pytest.param("St Mary\u2019s", MARYS, id="typographic-apostrophe"),
        pytest.param("Stoke on Trent", ["Stoke-on-Trent College"], id="spaces-for-hyphens"),
        pytest.param("stoke-on-trent", ["Stoke-on-Trent College"], id="hyphens"),
    ],
)
def test_names_are_found_whatever_the_accents_and_punctuation(
    client, names_people_mistype, typed, expected
):
    assert names_found(client, typed) == expected


def test_the_page_repeats_the_search_as_typed(client, names_people_mistype):
    text = page_text(client.get(FIND, {"q": "St Theres"}))
    assert "1 school found for “St Theres”" in text
    assert "St Thérèse\u2019s Catholic Primary School" in text


@pytest.mark.parametrize("typed", ["\u2019", "-", "...", "'%_"])
def test_punctuation_alone_finds_nothing(client, names_people_mistype, typed):
    # Folded, it would be empty: "contains nothing" must not list every school.
    assert names_found(client, typed) == []
    assert "No schools found" in page_text(client.get(FIND, {"q": typed}))


def test_a_closed_school_is_still_left_out_of_a_name_search(client, reference_data):
    make_school(name="Brontë Old School", status=School.Status.CLOSED)
    assert names_found(client, "bronte") == []


def test_an_authority_split_between_two_hubs_names_both(client, reference_data):
    # Lancashire (888) is served by Abacus NW and by Cumbria and North Lancashire.
    make_school(name="Ribble Valley High", la_code="888")
    text = page_text(client.get(FIND, {"q": "Ribble Valley"}))
    assert "Abacus NW Maths Hub" in text
    assert "Cumbria and North Lancashire Maths Hub" in text
    assert "shared between 2 hubs" in text


def test_choosing_a_local_authority_shows_its_hubs(client, reference_data):
    make_school(la_code="841")
    text = page_text(client.get(FIND, {"la": "841"}))
    assert "Hubs covering Darlington" in text
    assert "Archimedes NE Maths Hub" in text
    assert "1 open school on the school register" in text


def test_no_match_gets_a_clear_answer(client, carmel):
    response = client.get(FIND, {"q": "Hogwarts"})
    text = page_text(response)
    assert response.status_code == 200
    assert "No schools found for “Hogwarts”" in text
    assert "Check the spelling" in text


def test_an_empty_search_asks_for_something_to_search_for(client, reference_data):
    text = page_text(client.get(FIND, {"q": "  ", "la": ""}))
    assert "There is a problem" in text
    assert "Type your school&#x27;s name, URN or postcode, or choose a local authority." in text


def test_an_unknown_local_authority_is_refused_clearly(client, reference_data):
    text = page_text(client.get(FIND, {"la": "999"}))
    assert "Select a valid choice" in text


def test_an_over_long_search_is_refused_clearly(client, reference_data):
    text = page_text(client.get(FIND, {"q": "x" * 101}))
    assert "Ensure this value has at most 100 characters" in text


def test_search_text_is_escaped_on_the_page(client, reference_data):
    text = client.get(FIND, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


def test_many_matches_are_capped_and_counted(client, reference_data):
    for n in range(30):
        make_school(name=f"Oakfield School {n:02}", la_code="841")
    text = page_text(client.get(FIND, {"q": "oakfield"}))
    assert "30 schools found" in text
    assert "Showing the first 25" in text
    assert text.count("Oakfield School ") == 25


@pytest.mark.parametrize("params", [{"q": "oakfield"}, {"q": "DL1"}, {"q": "900500"}])
def test_the_finder_runs_a_fixed_number_of_queries(
    client, reference_data, django_assert_num_queries, params
):
    for n in range(40):
        make_school(name=f"Oakfield School {n:02}", la_code=["841", "888", "202"][n % 3])
    make_school(name="Oakfield by URN", urn=900500)
    # 1 count of matches, 2 the first page of schools with authority and
    # region, 3 the hubs of those authorities, 4 the authorities for the select.
    with django_assert_num_queries(4):
        assert client.get(FIND, params).status_code == 200


def test_the_finder_by_authority_runs_a_fixed_number_of_queries(
    client, reference_data, django_assert_num_queries
):
    for _ in range(20):
        make_school(la_code="888")
    # 1 the chosen authority (form validation), 2 its region, 3 its hubs,
    # 4 its open schools counted, 5 the authorities for the select.
    with django_assert_num_queries(5):
        assert client.get(FIND, {"la": "888"}).status_code == 200


@pytest.mark.parametrize(
    ("search", "index"),
    [
        ("oakfield", "school_name_fold_trgm_idx"),
        ("St Thérèse\u2019s", "school_name_fold_trgm_idx"),
        ("St. Mary's", "school_name_fold_trgm_idx"),
        ("DL3", "school_postcode_prefix_idx"),
        ("900001", "hubs_school_urn_key"),
    ],
)
def test_each_kind_of_search_can_use_an_index(reference_data, search, index):
    # With sequential scans priced out, PostgreSQL picks an index if one fits
    # the query's shape: this fails when a search stops matching its index.
    queryset = School.objects.search(search)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


def test_the_planner_chooses_the_folded_name_index_on_a_register_sized_table(reference_data):
    # Without sequential scans priced out: on a table of a realistic shape the
    # planner prefers the trigram index to reading the table.
    make_register()
    make_school(name="St Thérèse\u2019s Catholic Primary School")
    sql, params = School.objects.search("st therese").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "school_name_fold_trgm_idx" in plan, plan
