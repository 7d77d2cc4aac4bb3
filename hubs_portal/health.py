"""Probes for whoever runs the portal.

``/livez``: the process answers (no database, no broker): the floor of what a
Django view costs on this server. ``/healthz``: the database and the broker
answer too; 503 and the failing part when one does not.
"""

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT = 2.0


@never_cache
@require_GET
def livez(request):
    return HttpResponse("ok\n", content_type="text/plain")


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure is "not ready": say which
        return f"error: {type(error).__name__}"
    return "ok"


def broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "ok (tasks run in process)"
    from hubs_portal.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
            # A round trip, not only a socket: Redis answers PING.
            client = getattr(conn.default_channel, "client", None)
            if client is not None:
                client.ping()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value.startswith("ok") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks},
        status=200 if healthy else 503,
    )
