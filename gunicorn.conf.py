"""gunicorn's settings for Pledge: `gunicorn -c gunicorn.conf.py matchmaking.wsgi`.

Every value can be changed by an environment variable, PLEDGE_GUNICORN_…; docs/deploy.md
says how to size them. The defaults fit a web machine whose CPU the site uses itself:
one worker process per core (a page costs its CPU in Python, so more processes than
cores only queue on the cores: a third sync worker on two cores added nothing), each
with a few threads, so that a request waiting on PostgreSQL, Redis or a slow client does
not hold a whole process.
"""

import multiprocessing
import os


def setting(name: str, default: str) -> str:
    return os.environ.get(f"PLEDGE_GUNICORN_{name}", default)


# Behind the TLS proxy on the same machine: nothing else may reach gunicorn, since the
# site believes the proxy's X-Forwarded-For and X-Forwarded-Proto.
bind = setting("BIND", "127.0.0.1:8000").split(",")
workers = int(setting("WORKERS", str(multiprocessing.cpu_count())))
worker_class = setting("WORKER_CLASS", "gthread")
threads = int(setting("THREADS", "4"))

# A worker that answers nothing for this long is killed and replaced; a restart gives
# running requests this long to finish.
timeout = int(setting("TIMEOUT", "30"))
graceful_timeout = int(setting("GRACEFUL_TIMEOUT", "30"))
keepalive = int(setting("KEEPALIVE", "5"))

# Replace each worker after about this many requests (jitter spreads the restarts), so
# slow growth of a process's memory never accumulates.
max_requests = int(setting("MAX_REQUESTS", "2000"))
max_requests_jitter = int(setting("MAX_REQUESTS_JITTER", "200"))

# Request heads: Pledge's longest URLs and cookies fit well inside these.
limit_request_line = int(setting("LIMIT_REQUEST_LINE", "4094"))
limit_request_fields = int(setting("LIMIT_REQUEST_FIELDS", "50"))
limit_request_field_size = int(setting("LIMIT_REQUEST_FIELD_SIZE", "8190"))

# The proxy's addresses, whose X-Forwarded-* headers gunicorn believes.
forwarded_allow_ips = setting("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Django logs one line per request (matchmaking/logs.py); gunicorn's own access log
# would repeat it. Errors go to stderr, for systemd's journal.
accesslog = setting("ACCESSLOG", "") or None
errorlog = "-"
loglevel = setting("LOGLEVEL", "info")

# gunicorn 27's control socket is one per user by default: several instances on one
# machine (or a test next to a deployment) must each name their own, or disable it.
control_socket = setting("CONTROL_SOCKET", os.path.expanduser("~/.gunicorn/gunicorn.ctl"))
control_socket_disable = setting("CONTROL_SOCKET_DISABLE", "false").lower() in ("1", "true")

# Temporary files of the workers' heartbeats in memory, not on a disk that may stall.
worker_tmp_dir = setting("WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else "")
worker_tmp_dir = worker_tmp_dir or None
