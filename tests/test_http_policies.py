"""What every response carries and every request is held to: the Content-Security-Policy,
Permissions-Policy, private caching for signed-in members, request body limits, client
addresses behind the TLS proxy, and one structured log line per request."""

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.urls import reverse

from matchmaking.logs import JsonFormatter, RequestContextFilter, request_id_var
from matchmaking.middleware import ChunkedBodyLimit
from tests.factories import PASSWORD, VouchedMemberFactory
from tests.test_configuration import run

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_every_page_carries_a_strict_content_security_policy(client):
    csp = directives(client.get(reverse("account_login")))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["img-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and csp["form-action"] == "'self'"
    assert "unsafe" not in str(csp)


def test_htmx_is_told_not_to_inject_its_inline_style(client):
    page = client.get(reverse("home")).text
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in page


def test_every_response_denies_powerful_features(client):
    policy = client.get(reverse("home"))["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_a_signed_in_member_s_pages_are_private(member, client_for):
    client = client_for(member)
    home = client.get(reverse("home"))
    assert "private" in home["Cache-Control"] and "no-store" not in home["Cache-Control"]
    assert "Cookie" in home["Vary"]
    for sensitive in (reverse("vouching:settings"), reverse("account_email")):
        response = client.get(sensitive)
        assert response.status_code == 200
        assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    assert "private" not in Client().get(reverse("home")).get("Cache-Control", "")


def test_a_body_over_the_limit_is_refused_from_its_length(member, client_for, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.jpg", b"x" * (1024 * 1024 + 1))
    response = client_for(member).post(
        reverse("vouching:settings"), {"display_name": "X", "avatar_upload": upload}
    )
    assert response.status_code == 413
    assert "too large to send" in response.text and 'class="site-header"' in response.text
    assert "at most 1 MB" in response.text


def test_the_refusal_speaks_the_member_s_language(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 10
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("account_login"), {"login": "someone@example.com"})
    assert response.status_code == 413 and 'lang="zh-hans"' in response.text


def chunked_request(body: bytes) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/accounts/login/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def test_a_chunked_body_is_read_only_up_to_the_limit(settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    seen = {}

    def site(environ, start_response):
        seen.update(environ)
        return []

    ChunkedBodyLimit(site)(chunked_request(b"x" * 5000), lambda *a: None)
    assert seen["CONTENT_LENGTH"] == "1001" and len(seen["wsgi.input"].read()) == 1001
    statuses = []
    # As matchmaking/wsgi.py wraps the site (gunicorn runs it: tests/test_production.py).
    application = ChunkedBodyLimit(get_wsgi_application())
    application(chunked_request(b"x" * 5000), lambda status, headers: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"]


def test_settings_keep_a_photo_under_every_limit(settings):
    from vouching.images import MAX_UPLOAD_BYTES

    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= MAX_UPLOAD_BYTES
    assert settings.REQUEST_BODY_MAX_BYTES > MAX_UPLOAD_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < MAX_UPLOAD_BYTES


def failed_login(client: Client, address: str, email: str) -> int:
    data = {"login": email, "password": "not-" + PASSWORD}
    return client.post(reverse("account_login"), data, HTTP_X_FORWARDED_FOR=address).status_code


def test_members_behind_the_proxy_are_limited_one_by_one(settings):
    """Every request comes from the proxy (REMOTE_ADDR 127.0.0.1); its X-Forwarded-For
    names the client. One client's failures do not lock out another."""
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker, member = Client(), Client()
    emails = [VouchedMemberFactory().email for _ in range(4)]
    for email in emails[:3]:
        assert failed_login(attacker, "203.0.113.7", email) == 200
    assert failed_login(attacker, "203.0.113.7", emails[3]) == 429
    assert failed_login(member, "198.51.100.20", emails[3]) == 200
    # A header the client wrote itself comes first: the proxy's own entry is believed.
    assert failed_login(attacker, "198.51.100.20, 203.0.113.7", emails[3]) == 429


def test_without_a_trusted_proxy_the_header_is_not_believed(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    email = VouchedMemberFactory().email
    for n in range(3):
        assert failed_login(Client(), f"203.0.113.{n}", email) == 200
    assert failed_login(Client(), "203.0.113.99", email) == 429  # one address: REMOTE_ADDR


PROXY = (
    "import django, logging; django.setup(); from django.conf import settings; "
    "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER, "
    "settings.SECURE_HSTS_SECONDS, settings.LOG_FORMAT); logging.getLogger('pledge').warning('hi')"
)
PRODUCTION = {"PLEDGE_DEBUG": "false", "PLEDGE_SECRET_KEY": "production-like-" + "s" * 40}
OVERRIDES = {
    "PLEDGE_TRUSTED_PROXY_COUNT": "2",
    "PLEDGE_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP",
    "PLEDGE_LOG_FORMAT": "plain",
}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "0 None 0 plain"),
        (PRODUCTION, "1 None 31536000 json"),
        ({**PRODUCTION, **OVERRIDES}, "2 X-Real-IP 31536000 plain"),
    ],
)
def test_production_settings_from_the_environment(tmp_path, env, expected):
    """Behind one proxy by default without debug, as SECURE_PROXY_SSL_HEADER assumes;
    HSTS for a year, as preload lists require; JSON logs, one object per line."""
    done = run(["-c", PROXY], tmp_path, **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
    last_line = done.stderr.strip().splitlines()[-1]
    if expected.endswith("json"):
        entry = json.loads(last_line)
        assert entry["message"] == "hi" and entry["level"] == "WARNING"
    else:
        assert last_line.endswith("WARNING pledge: hi")


def log_record(message="hello", **extra) -> logging.LogRecord:
    record = logging.LogRecord("pledge.test", logging.INFO, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    RequestContextFilter().filter(record)
    return record


def test_the_json_formatter_writes_one_object_per_line():
    token = request_id_var.set("abc123def456")
    try:
        line = JsonFormatter().format(log_record("line one\nline two", status=200))
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "line one\nline two" and entry["level"] == "INFO"
    assert entry["logger"] == "pledge.test" and entry["request_id"] == "abc123def456"
    assert entry["status"] == 200 and entry["time"].endswith("+00:00")


def test_each_request_logs_one_line_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="pledge.request")
    response = client.get(reverse("home"), HTTP_X_REQUEST_ID="from-the-proxy-42")
    assert response["X-Request-ID"] == "from-the-proxy-42"
    (record,) = [r for r in caplog.records if r.name == "pledge.request"]
    assert record.method == "GET" and record.path == "/" and record.status == 200
    assert record.duration_ms >= 0
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "from-the-proxy-42"
    forged = client.get(reverse("home"), HTTP_X_REQUEST_ID="bad id\n{}")
    assert forged["X-Request-ID"] != "bad id\n{}" and len(forged["X-Request-ID"]) == 32


def test_secret_url_parts_are_never_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="pledge.request")
    client.get(reverse("vouching:invitation", args=["a-secret-invitation-token"]))
    (record,) = [r for r in caplog.records if r.name == "pledge.request"]
    assert "a-secret-invitation-token" not in record.getMessage() + record.path
    assert record.path == "/join/[secret]/"


def test_the_log_format_is_json_or_plain(tmp_path):
    done = run(["-c", PROXY], tmp_path, PLEDGE_LOG_FORMAT="xml")
    assert done.returncode != 0 and "PLEDGE_LOG_FORMAT is json or plain" in done.stderr


def test_gunicorn_config_reads_the_environment():
    code = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(c['workers'], c['threads'], c['worker_class'], c['timeout'], c['bind'], "
        "c['max_requests'], c['max_requests_jitter'] > 0, c['limit_request_fields'])"
    )
    env = {"PLEDGE_GUNICORN_WORKERS": "3", "PLEDGE_GUNICORN_TIMEOUT": "20"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "3",
        "4",
        "gthread",
        "20",
        "['127.0.0.1:8000']",
        "2000",
        "True",
        "50",
    ]
