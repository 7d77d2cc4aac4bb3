"""Bad input to the other commands: a clear error naming the problem, nothing written.

``load_reference_data`` reads the files shipped with the code: a fault in
them (an unknown code, a missing column or value, a control character, a
value too long or taken twice, bytes that are not UTF-8) stops it with the
file, the line and the reason, and nothing is written. ``generate_network``
refuses options that make no sense before touching anything.
(``import_schools``: test_bad_input_import.py.)
"""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from hubs.management.commands import load_reference_data
from hubs.models import Hub, LocalAuthority, Region
from tests.test_workspace_access import database_state

# --- load_reference_data: the shipped files, damaged ----------------------------------


@pytest.fixture
def reference_copy(tmp_path, monkeypatch):
    """A copy of fixtures/reference/ the command reads instead; return a file's path."""
    folder = tmp_path / "reference"
    shutil.copytree(load_reference_data.REFERENCE_DIR, folder)
    monkeypatch.setattr(load_reference_data, "REFERENCE_DIR", folder)
    return lambda name: folder / name


def _damage(path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], (path.name, line, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "line", "old", "new", "message"),
    [
        (
            "hubs.csv",
            2,
            ",confirmed,840",
            ",sure,840",
            "hubs.csv, line 2: lead_schools_status 'sure'",
        ),
        ("hubs.csv", 3, ",unconfirmed,", ",maybe,", "hubs.csv, line 3: area_status 'maybe'"),
        ("hubs.csv", 2, " 841 ", " 999 ", "hubs.csv, line 2: unknown local authority 999"),
        ("hubs.csv", 2, "E12000001", "E99", "hubs.csv, line 2: region_code 'E99'"),
        (
            "local_authorities.csv",
            3,
            "E12000007",
            "X",
            "local_authorities.csv, line 3: region_code",
        ),
        ("regions.csv", 2, ",North East,A", ",North East", "regions.csv, line 2: the line has no"),
        ("regions.csv", 2, "North East", "North\x00East", "regions.csv, line 2: name contains"),
        ("regions.csv", 3, "North West", "North East", "regions.csv, line 3: cannot be stored"),
        (
            "regions.csv",
            1,
            "gias_gor_code",
            "gor",
            "regions.csv, line 2: there is no gias_gor_code",
        ),
        ("regions.csv", 2, "North East", "N" * 101, "regions.csv, line 2: cannot be stored"),
    ],
)
def test_a_damaged_reference_file_stops_with_its_line_and_writes_nothing(
    db, reference_copy, name, line, old, new, message
):
    _damage(reference_copy(name), line, old, new)

    with pytest.raises(CommandError, match=message) as error:
        call_command("load_reference_data", stdout=io.StringIO())

    assert "Nothing was changed" in str(error.value)
    assert not Region.objects.exists()
    assert not LocalAuthority.objects.exists()
    assert not Hub.objects.exists()


def test_a_reference_file_that_is_not_utf8_is_a_clear_error(db, reference_copy):
    path = reference_copy("regions.csv")
    path.write_bytes(path.read_bytes().replace(b"North East", b"North \xff East"))

    with pytest.raises(CommandError, match=r"regions\.csv cannot be read"):
        call_command("load_reference_data", stdout=io.StringIO())
    assert not Region.objects.exists()


# --- generate_network: options ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--scale", "0"], "--scale must be above 0"),
        (["--scale", "-1"], "--scale must be above 0"),
        (["--scale", "nan"], "--scale must be above 0"),
        (["--scale", "inf"], "--scale must be above 0"),
        (["--scale", "1e309"], "--scale must be above 0"),
        (["--years", "0"], "--years must be between 1"),
        (["--years", "99999"], "--years must be between 1"),
        (["--years", "ten"], "invalid int value"),
        (["--today", "2026-02-30"], "invalid fromisoformat value"),
        (["--today", "yesterday"], "invalid fromisoformat value"),
        (["--seed", "²"], "invalid int value"),
    ],
)
def test_generate_network_refuses_nonsense_options_and_changes_nothing(db, options, message):
    before = database_state()
    with pytest.raises(CommandError, match=message):
        call_command("generate_network", *options, "--no-progress", stdout=io.StringIO())
    assert database_state() == before
