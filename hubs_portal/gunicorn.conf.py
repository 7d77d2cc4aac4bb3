"""gunicorn's settings for the portal, read from the environment.

Used by the Procfile (`make serve`): `gunicorn -c hubs_portal/gunicorn.conf.py
hubs_portal.wsgi`. Django writes the request log (one line per request, with
its id), so gunicorn's own access log is off unless GUNICORN_ACCESS_LOG is set.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8443")
# CPU-bound Django views: a process per core and one spare; threads keep
# connections open (keep-alive) and cover the waits on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Off by default: a recycled worker closes its idle keep-alive connections,
# and a client that reuses one at that moment sees it dropped (make load's
# closed-loop run saw one such error). Set it if a leak ever needs it.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# TLS straight from gunicorn (make serve on one machine); behind a proxy that
# terminates TLS, leave these unset and set SECURE_PROXY_SSL_HEADER=1.
certfile = os.environ.get("TLS_CERTFILE") or None
keyfile = os.environ.get("TLS_KEYFILE") or None

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
