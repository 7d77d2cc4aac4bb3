"""Where the load test keeps its files, and the teachers' accounts it logs in with."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

VENV_BIN = ROOT / ".venv" / "bin"
LOCUSTFILE = ROOT / "scripts" / "load" / "locustfile.py"
WORK_DIR = ROOT / "var" / "load"

TEACHER_EMAIL = "load.teacher.{n:03d}@example.invalid"
# Test accounts on a scratch database, addresses that cannot receive mail.
TEACHER_PASSWORD = "load-test-only-Pythagoras-1729"
