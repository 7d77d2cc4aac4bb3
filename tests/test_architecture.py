"""The shape of the code base that docs/architecture.md promises.

The layers themselves are import-linter contracts (pyproject.toml), checked by
`make lint`; these tests hold what import-linter cannot see.
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A module a newcomer can read whole; past this it is split by topic.
MAX_LINES = 400


def _tracked_python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        ROOT / name
        for name in listed
        if "/migrations/" not in name and not name.startswith("tests/")
    ]


def test_no_module_outside_migrations_and_tests_is_longer_than_a_reading():
    files = _tracked_python_files()
    assert len(files) > 100  # the walk found the code base
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}, f"Split these by topic (over {MAX_LINES} lines): {too_long}"
