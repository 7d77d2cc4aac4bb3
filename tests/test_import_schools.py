"""`manage.py import_schools`: the DfE's register of schools, as an operator runs it."""

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from hubs import importers
from hubs.models import Hub, LocalAuthority, Partnership, Region, School
from tests.factories import make_school

SAMPLE = settings.BASE_DIR / "fixtures" / "gias_sample.csv"
with SAMPLE.open(encoding="cp1252", newline="") as _handle:
    GIAS_HEADER = next(csv.reader(_handle))

SAMPLE_ROWS = 962
SAMPLE_OUTSIDE_ENGLAND = "660, 661, 664, 670, 672, 676, 680, 681, 702"
SAMPLE_LEAD_SCHOOLS = 33


def run_import(path) -> str:
    out = io.StringIO()
    call_command("import_schools", str(path), "--no-progress", stdout=out)
    return out.getvalue()


def gias_row(urn, name="Oakfield Primary School", **fields) -> dict:
    """A row of the GIAS file in Darlington (841), open, primary."""
    row = {
        "URN": str(urn),
        "EstablishmentName": name,
        "LA (code)": "841",
        "TypeOfEstablishment (name)": "Community school",
        "PhaseOfEducation (code)": "2",
        "EstablishmentStatus (code)": "1",
        "Town": "Darlington",
        "Postcode": "DL1 5AB",
        "PercentageFSM": "20.5",
    }
    row.update(fields)
    return row


def write_gias(path, rows, header=GIAS_HEADER, encoding="cp1252"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def gias_file(tmp_path):
    def make(rows, **kwargs):
        return write_gias(tmp_path / "edubasealldata.csv", rows, **kwargs)

    return make


def test_sample_imports_english_schools_and_skips_the_rest(reference_data):
    out = run_import(SAMPLE)

    english = SAMPLE_ROWS - 9
    assert School.objects.count() == english
    assert (
        f"Imported {english} schools ({english} new, 0 updated); skipped 9 rows outside "
        f"England's 153 local authorities (LA codes {SAMPLE_OUTSIDE_ENGLAND}); 0 bad rows."
    ) in out
    assert "702 (1)" in out
    assert not School.objects.filter(name__startswith="Ysgol").exists()


def test_sample_names_are_decoded_from_windows_1252(reference_data):
    run_import(SAMPLE)

    school = School.objects.get(urn=900002)
    assert school.name == "St Th\u00e9r\u00e8se\u2019s Catholic Primary School"
    assert list(School.objects.search("Th\u00e9r\u00e8se")) == [school]


def test_row_values_are_stored_as_the_portal_reads_them(reference_data, gias_file):
    path = gias_file(
        [
            gias_row(1, "Open School", **{"PercentageFSM": "12.25", "Postcode": "dl1  5ab"}),
            gias_row(2, "Closing School", **{"EstablishmentStatus (code)": "3"}),
            gias_row(3, "Closed School", **{"EstablishmentStatus (code)": "2"}),
            gias_row(4, "New School", **{"EstablishmentStatus (code)": "4", "PercentageFSM": ""}),
            gias_row(5, "Small School", **{"PercentageFSM": "SUPP"}),
            gias_row(6, "Sixth Form", **{"PhaseOfEducation (code)": "6"}),
            gias_row(7, "Special School", **{"PhaseOfEducation (code)": "0"}),
        ]
    )
    run_import(path)

    schools = {school.urn: school for school in School.objects.all()}
    assert schools[1].fsm_percentage == Decimal("12.3")
    assert schools[1].postcode_normalised == "DL15AB"
    assert schools[1].local_authority.code == "841"
    assert schools[1].establishment_type == "Community school"
    assert schools[1].phase == School.Phase.PRIMARY
    assert schools[2].status == School.Status.OPEN  # open, but proposed to close
    assert schools[3].status == School.Status.CLOSED
    assert schools[4].status == School.Status.PROPOSED
    assert schools[4].fsm_percentage is None
    assert schools[5].fsm_percentage is None  # suppressed
    assert schools[6].phase == School.Phase.SIXTEEN_PLUS
    assert schools[7].phase == School.Phase.NOT_APPLICABLE


def test_rerunning_updates_schools_by_urn_without_duplicates(reference_data, gias_file):
    run_import(SAMPLE)
    out = run_import(SAMPLE)
    assert School.objects.count() == SAMPLE_ROWS - 9
    assert f"Imported {SAMPLE_ROWS - 9} schools (0 new, {SAMPLE_ROWS - 9} updated)" in out

    renamed = gias_row(900002, "St Teresa's Catholic Primary School", **{"LA (code)": "330"})
    out = run_import(gias_file([renamed, gias_row(1, "Brand New School")]))

    assert "Imported 2 schools (1 new, 1 updated)" in out
    assert School.objects.count() == SAMPLE_ROWS - 9 + 1
    assert School.objects.get(urn=900002).name == "St Teresa's Catholic Primary School"


def test_bad_rows_are_reported_by_line_and_good_rows_are_stored(reference_data, gias_file):
    path = gias_file(
        [
            gias_row(1, "First School"),  # line 2
            gias_row("12a"),  # line 3
            gias_row(3, ""),  # line 4
            gias_row(4, "Two Line School", Street="1 Long Road\r\nUpper Floor"),  # lines 5-6
            gias_row(5, **{"PercentageFSM": "12%"}),  # line 7
            gias_row(6, **{"PhaseOfEducation (code)": "9"}),  # line 8
            gias_row(7, **{"EstablishmentStatus (code)": "7"}),  # line 9
            gias_row(8, Postcode="DL1 5AB EXTRA"),  # line 10
            gias_row(1, "First School Again"),  # line 11
            gias_row(9, "Last School", **{"PercentageFSM": "100"}),  # line 12
            gias_row(10, **{"LA (code)": "660", "PercentageFSM": "bad"}),  # line 13: Wales
        ]
    )
    out = run_import(path)

    assert "7 bad rows were not imported:" in out
    assert "  line 3: URN '12a' is not a whole number\n" in out
    assert "  line 4: EstablishmentName is empty\n" in out
    assert "  line 7: PercentageFSM '12%' is not a percentage from 0 to 100" in out
    assert "  line 8: PhaseOfEducation (code) '9' is not a known phase of education\n" in out
    assert "  line 9: EstablishmentStatus (code) '7' is not a known establishment status\n" in out
    assert "  line 10: Postcode is 13 characters long; the portal stores at most 10\n" in out
    assert "  line 11: URN 1 appears earlier in the file; the first row was kept\n" in out
    assert "line 13" not in out
    assert "Imported 3 schools (3 new, 0 updated); skipped 1 row outside" in out
    assert out.rstrip().endswith("7 bad rows.")
    assert sorted(School.objects.values_list("name", flat=True)) == [
        "First School",
        "Last School",
        "Two Line School",
    ]


def test_a_long_list_of_bad_rows_is_cut_short_but_counted(reference_data, gias_file):
    path = gias_file([gias_row(urn, "") for urn in range(1, 61)])
    out = run_import(path)

    listed = [line for line in out.splitlines() if line.startswith("  line ")]
    assert len(listed) == importers.BAD_ROWS_KEPT
    assert listed[-1].startswith("  line 51:")
    assert "  ... and 10 more\n" in out
    assert "60 bad rows." in out


def test_columns_are_found_by_name_in_any_order(reference_data, gias_file):
    # A release that moves columns, adds one and only has the "(name)" columns.
    header = [
        "Postcode",
        "A Column Added Next Year",
        "EstablishmentStatus (name)",
        "PhaseOfEducation (name)",
        "EstablishmentName",
        "LA (code)",
        "URN",
    ]
    row = {
        "URN": "42",
        "EstablishmentName": "Riverside Academy",
        "LA (code)": "841",
        "PhaseOfEducation (name)": "Secondary",
        "EstablishmentStatus (name)": "Proposed to open",
        "Postcode": "DL3 7QQ",
    }
    out = run_import(gias_file([row], header=header))

    school = School.objects.get(urn=42)
    assert (school.name, school.phase, school.status, school.postcode) == (
        "Riverside Academy",
        School.Phase.SECONDARY,
        School.Status.PROPOSED,
        "DL3 7QQ",
    )
    assert "The file has no PercentageFSM column" in out


def test_a_dropped_column_leaves_stored_values_alone(reference_data, gias_file):
    run_import(gias_file([gias_row(42, **{"PercentageFSM": "31.0"})]))
    header = [column for column in GIAS_HEADER if column != "PercentageFSM"]
    row = gias_row(42, "Oakfield Primary Academy")
    del row["PercentageFSM"]

    run_import(gias_file([row], header=header))

    school = School.objects.get(urn=42)
    assert school.name == "Oakfield Primary Academy"
    assert school.fsm_percentage == Decimal("31.0")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_a_file_saved_as_utf8_by_a_spreadsheet_is_read(reference_data, gias_file, encoding):
    path = gias_file([gias_row(42, "St Mary\u2019s Caf\u00e9 School")], encoding=encoding)
    out = run_import(path)

    assert School.objects.get(urn=42).name == "St Mary\u2019s Caf\u00e9 School"
    assert "The file is UTF-8, not the Windows-1252 that GIAS publishes" in out


def test_a_damaged_file_is_refused_with_the_line(reference_data, gias_file):
    path = gias_file([gias_row(1), gias_row(2), gias_row(3, "Caf\u00e9 School")])
    path.write_bytes(path.read_bytes().replace(b"Caf\xe9", b"Caf\x81"))

    with pytest.raises(CommandError, match="Line 4 has a byte that is not Windows-1252"):
        run_import(path)
    assert not School.objects.exists()


def test_a_file_without_a_required_column_is_refused(reference_data, gias_file):
    header = [column for column in GIAS_HEADER if column != "LA (code)"]
    row = gias_row(42)
    del row["LA (code)"]
    path = gias_file([row], header=header)

    with pytest.raises(CommandError, match=r"nothing was changed.*no LA \(code\) column"):
        run_import(path)
    assert not School.objects.exists()


def test_a_missing_file_is_refused(reference_data, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.csv: No such file"):
        run_import(tmp_path / "missing.csv")


def test_importing_before_the_reference_data_says_what_to_run(db, gias_file):
    with pytest.raises(CommandError, match="load_reference_data"):
        run_import(gias_file([gias_row(42)]))


def test_a_database_failure_leaves_nothing_half_written(reference_data, gias_file, monkeypatch):
    make_school(urn=1, name="Old Name")
    path = gias_file([gias_row(1, "New Name"), gias_row(2), gias_row(3), gias_row(4)])
    real_bulk_create = School.objects.bulk_create
    calls = []

    def fail_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("connection lost")
        return real_bulk_create(*args, **kwargs)

    monkeypatch.setattr(School.objects, "bulk_create", fail_on_second_batch)
    with pytest.raises(DatabaseError):
        importers.schools_import(path=path, progress=False, batch_size=2)

    assert list(School.objects.values_list("urn", "name")) == [(1, "Old Name")]


def test_rows_are_written_in_batches(db, gias_file, django_assert_num_queries):
    LocalAuthority.objects.create(
        code="841",
        name="Darlington",
        gss_code="E06000005",
        region=Region.objects.create(code="E12000001", name="North East", gias_gor_code="A"),
    )
    path = gias_file([gias_row(urn) for urn in range(1, 2501)])

    # 1 the authorities; then per batch of 1,000: the URNs already stored, and
    # the INSERT ... ON CONFLICT; plus the savepoint and its release.
    with django_assert_num_queries(1 + 3 * 2 + 2):
        result = importers.schools_import(path=path, progress=False, link_lead_schools=False)
    assert result.created == 2500


def test_lead_schools_are_linked_after_the_import(reference_data):
    hub = Hub.objects.get(slug="archimedes-ne")
    Partnership.objects.create(
        hub=hub, role=Partnership.Role.LEAD_SCHOOL, recorded_name="Nowhere Academy, Darlington"
    )

    out = run_import(SAMPLE)

    carmel = Partnership.objects.get(hub=hub, recorded_name="Carmel College, Darlington")
    assert (carmel.school.name, carmel.school.local_authority.code) == ("Carmel College", "841")
    still_unlinked = Partnership.objects.filter(school__isnull=True, organisation__isnull=True)
    assert [p.recorded_name for p in still_unlinked] == ["Nowhere Academy, Darlington"]
    assert f"Lead schools linked to the register: {SAMPLE_LEAD_SCHOOLS}\n" in out
    assert "still to link by hand in the admin (1):\n" in out
    assert "  Archimedes NE Maths Hub: Nowhere Academy, Darlington\n" in out
