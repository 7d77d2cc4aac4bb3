"""Create the PostgreSQL database named in DATABASE_URL if it does not exist.

`make serve` runs it first, so that one command works on a fresh machine;
the benchmark scripts (bench_reports.py, load_test.py) call
``database_ensure``.
"""

import os
import sys
from pathlib import Path

import dj_database_url
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubs_portal.lib.local_db import server_connection


def database_ensure(config: dict, *, recreate: bool = False) -> None:
    """Create the database of ``config`` (dj-database-url's) if missing; drop it first if asked."""
    name = config["NAME"]
    with server_connection(config) as connection:
        if recreate:
            print(f"Dropping database {name}")
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url else {}
    if "postgresql" not in config.get("ENGINE", ""):
        return 0
    try:
        database_ensure(config)
    except psycopg.OperationalError as error:
        print(f"Cannot reach PostgreSQL for {config['NAME']}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
