"""Bad rows in the school register's CSV: reported by line, nothing half-written.

``import_schools`` reads a file the DfE publishes, 50,000 rows long: a bad
row is reported with its line number and the reason, and the good rows are
stored; a file that cannot be read at all (a field past the csv module's
limit, not a CSV file) stops with a CommandError naming the line, and
nothing is written. The other commands: test_bad_input_commands.py.
"""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubs import importers
from hubs.models import School
from hubs_portal.lib.forms import CONTROL_CHARACTERS
from tests.factories import make_school
from tests.test_import_schools import GIAS_HEADER, gias_row, run_import, write_gias
from tests.test_workspace_access import database_state


@pytest.fixture
def gias_file(tmp_path):
    def make(rows, **kwargs):
        return write_gias(tmp_path / "edubasealldata.csv", rows, **kwargs)

    return make


# --- import_schools: bad rows -------------------------------------------------------


def test_rows_with_control_characters_are_bad_rows_with_their_line_not_a_crash(world, gias_file):
    path = gias_file(
        [
            gias_row(1, "Good School"),  # line 2
            gias_row(2, "Nul\x00School"),  # line 3
            gias_row(3, "Escape\x1bSchool"),  # line 4
            gias_row(4, Town="Darl\x00ington", Postcode="DL1\x005AB"),  # line 5
            gias_row(5, **{"LA (code)": "84\x001"}),  # line 6
            gias_row("6\x00"),  # line 7
            gias_row(7, "Also Good"),  # line 8
        ],
        encoding="utf-8",
    )
    out = run_import(path)

    assert "5 bad rows were not imported:" in out
    assert "  line 3: EstablishmentName contains an invisible control character" in out
    assert "  line 4: EstablishmentName contains an invisible control character" in out
    assert "  line 5: Town and Postcode contain an invisible control character" in out
    assert "  line 6: LA (code) contains an invisible control character" in out
    assert "  line 7: URN contains an invisible control character" in out
    imported = School.objects.filter(urn__lt=100).values_list("name", flat=True)
    assert sorted(imported) == ["Also Good", "Good School"]


def test_numbers_and_texts_that_cannot_be_are_bad_rows_with_their_line(world, gias_file):
    rows = [
        gias_row("²"),
        gias_row("-5"),
        gias_row("99999999999999999999"),
        gias_row("1e3"),
        gias_row(" "),
        gias_row(11, **{"PercentageFSM": "NaN"}),
        gias_row(12, **{"PercentageFSM": "Infinity"}),
        gias_row(13, **{"PercentageFSM": "1e999"}),
        gias_row(14, **{"PercentageFSM": "-0.1"}),
        gias_row(15, **{"PercentageFSM": "100.05"}),
        gias_row(16, "x" * 201),
        gias_row(17, "é" * 201),
        gias_row(18, Town="t" * 101),
        gias_row(19, **{"TypeOfEstablishment (name)": "y" * 101}),
        gias_row(20, **{"PhaseOfEducation (code)": "²"}),
        gias_row(21, **{"EstablishmentStatus (code)": ""}),
        gias_row(22, "Good School"),
    ]
    out = run_import(gias_file(rows, encoding="utf-8"))

    bad = [line for line in out.splitlines() if line.startswith("  line ")]
    assert [int(line.split()[1].rstrip(":")) for line in bad] == list(range(2, 18))
    assert School.objects.get(urn__lt=100).name == "Good School"
    assert out.rstrip().endswith("16 bad rows.")


def test_a_row_with_too_few_or_too_many_values_is_reported_with_its_line(world, gias_file):
    path = gias_file([gias_row(1), gias_row(2), gias_row(3)])
    lines = path.read_bytes().split(b"\r\n")
    lines[2] += b",extra,values"  # URN 2
    lines[3] = b",".join(lines[3].split(b",")[:5])  # URN 3, cut short
    path.write_bytes(b"\r\n".join(lines))

    out = run_import(path)

    assert "  line 3: the row has" in out
    assert "  line 4: the row has" in out
    assert list(School.objects.filter(urn__lt=100).values_list("urn", flat=True)) == [1]


# --- import_schools: a file that cannot be read ---------------------------------------


def test_a_file_that_breaks_after_rows_were_written_leaves_nothing_written(world, gias_file):
    """A field past the csv module's limit on line 7: the first batches roll back too."""
    make_school(urn=1, name="Old Name")
    rows = [gias_row(urn) for urn in range(1, 6)] + [
        gias_row(6, Street="x" * (csv.field_size_limit() + 1))
    ]
    path = gias_file(rows)
    before = database_state()

    with pytest.raises(CommandError, match=r"nothing was changed\. Line 7 cannot be read"):
        call_command("import_schools", str(path), "--no-progress", stdout=io.StringIO())
    with pytest.raises(importers.SchoolsImportError, match="Line 7 cannot be read"):
        importers.schools_import(path=path, progress=False, batch_size=2)

    assert database_state() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty: it has no header line"),
        (b"\r\n\r\n", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "byte that is not Windows-1252|no URN"),
        (b"name,age\r\nAnn,42\r\n", "no URN or EstablishmentName or LA \\(code\\) columns"),
        ("URN,EstablishmentName,LA (code)\r\n".encode("utf-16"), "no URN"),
    ],
)
def test_a_file_that_is_not_the_register_is_refused_and_changes_nothing(
    world, tmp_path, content, message
):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    before = database_state()

    with pytest.raises(CommandError, match=message):
        call_command("import_schools", str(path), "--no-progress", stdout=io.StringIO())
    assert database_state() == before


def test_a_folder_or_a_missing_file_is_a_clear_error(world, tmp_path):
    for path in (tmp_path, tmp_path / "nope.csv"):
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("import_schools", str(path), "--no-progress", stdout=io.StringIO())


# Any text in the columns the import stores.
cell = st.one_of(
    st.text(max_size=30),
    st.text(max_size=250),
    st.sampled_from(["", " ", "\x00", "\r\n", "\r", '"', '""', ",", "²", "SUPP", "1e9", "-1"]),
)


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "EstablishmentName": cell,
                "Town": cell,
                "Postcode": cell,
                "PercentageFSM": cell,
                "Street": cell,
            }
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_text_in_any_column_is_stored_or_reported_with_its_line(world, tmp_path, rows):
    """Every row is either stored, tidied only as documented, or a bad row at its own line."""
    rows = [gias_row(urn, **values) for urn, values in enumerate(rows, start=1)]
    path = write_gias(tmp_path / "fuzz.csv", rows, encoding="utf-8")
    # Where each row starts: the header is line 1; a quoted line break adds a line.
    starts, line = [], 2
    for row in rows:
        starts.append(line)
        buffer = io.StringIO()
        csv.DictWriter(buffer, GIAS_HEADER, restval="", lineterminator="\r\n").writerow(row)
        text = buffer.getvalue()[:-2]
        line += 1 + text.count("\n") + text.count("\r") - text.count("\r\n")

    with transaction.atomic():
        result = importers.schools_import(path=path, progress=False, link_lead_schools=False)
        bad_lines = {bad.line for bad in result.bad_rows}
        stored = {school.urn: school for school in School.objects.filter(urn__lt=100)}
        transaction.set_rollback(True)

    assert result.imported + result.bad_row_count == len(rows)
    for urn, (row, start) in enumerate(zip(rows, starts, strict=True), start=1):
        if urn in stored:
            school = stored[urn]
            assert start not in bad_lines
            assert school.name == " ".join(row["EstablishmentName"].split())
            assert school.town == row["Town"].strip()
            assert school.postcode == row["Postcode"].strip()
            assert not CONTROL_CHARACTERS.search(school.name + school.town + school.postcode)
        else:
            assert start in bad_lines, (urn, start, result.bad_rows)
