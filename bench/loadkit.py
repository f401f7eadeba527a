"""The pieces of the load benchmark (``bench/load.py``): gunicorn servers, locust in a
process of its own, and the probe of standing updates under the load."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from .common import ROOT

BASE_PORT = 18600
PAGES = ("home", "browse", "profile", "interest", "message", "vouch", "accept")


class Web:
    """``instances`` gunicorn servers on loopback, each started as in production
    (``gunicorn -c gunicorn.conf.py``: gthread, a worker per core, its threads) with only
    the bind address and the control socket overridden; ``workers`` replaces the
    config's worker count when given (the scale runs)."""

    def __init__(self, env: dict[str, str], *, instances: int, workers: int | None = None):
        self.hosts, self.processes = [], []
        for number in range(instances):
            port = BASE_PORT + number
            self.hosts.append(f"http://127.0.0.1:{port}")
            overrides = {
                "PLEDGE_GUNICORN_BIND": f"127.0.0.1:{port}",
                "PLEDGE_GUNICORN_CONTROL_SOCKET_DISABLE": "true",
            }
            if workers is not None:
                overrides["PLEDGE_GUNICORN_WORKERS"] = str(workers)
            self.processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        "gunicorn.conf.py",
                        "matchmaking.wsgi",
                    ],
                    cwd=ROOT,
                    env={**env, **overrides},
                )
            )
        try:
            for host in self.hosts:
                self._wait(host)
        except RuntimeError:
            self.stop()
            raise

    @staticmethod
    def _wait(host: str, timeout: float = 60) -> None:
        """Until the server answers anything over HTTP."""
        import http.client

        address, port = host.split("://", 1)[1].split(":")
        deadline = time.time() + timeout
        while time.time() < deadline:
            connection = http.client.HTTPConnection(address, int(port), timeout=5)
            try:
                connection.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.3)
            finally:
                connection.close()
        raise RuntimeError(f"gunicorn at {host} did not start")

    def cpu_seconds(self) -> float:
        """CPU time of every gunicorn process so far: the masters, their live workers and
        the workers already replaced (``max_requests`` of gunicorn.conf.py), whose time
        the master's children times hold once it has reaped them."""
        import psutil

        total = 0.0
        for process in self.processes:
            master = psutil.Process(process.pid)
            times = master.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
            for each in master.children(recursive=True):
                times = each.cpu_times()
                total += times.user + times.system
        return total

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def standing_probe(delay: float, trials: int, into: list) -> None:
    """Under the load: a new member gets a founder's vouch and accepts it; seconds from
    the accept's commit until their stored standing says vouched."""
    from functools import partial

    from django.db import connections, transaction

    from vouching import services
    from vouching.models import Member, TrustScore

    from .worker import STATEMENT, record_time, wait_until

    time.sleep(delay)
    founder = Member.objects.founders().order_by("pk").first()
    terms = services.VouchTerms(
        relationship="friend", known_for="1to3", strength=2, statement=STATEMENT
    )
    for trial in range(trials):
        member = Member.objects.create_user(
            email=f"load-{os.getpid()}-{time.time_ns()}@bench.invalid",
            display_name=f"Load newcomer {trial}",
        )
        vouch = services.vouch_create(voucher=founder, vouchee=member, fields=terms)
        committed: list[float] = []
        with transaction.atomic():
            transaction.on_commit(partial(record_time, committed))
            services.vouch_accept(vouch=vouch, member=member)
        ok = wait_until(
            lambda m=member: TrustScore.objects.filter(member=m, vouched=True).exists(),
            60,
            interval=0.05,
        )
        into.append(round(time.perf_counter() - committed[0], 2) if ok else None)
        time.sleep(2)
    connections.close_all()


def run_locust(plan_path: Path, hosts: list[str], users: int, seconds: int) -> dict:
    """locust, headless, in a process of its own; its statistics per page."""
    prefix = plan_path.with_suffix("")
    command = [
        *(sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")),
        *("--headless", "--users", str(users), "--spawn-rate", str(max(users // 5, 1))),
        *("--run-time", f"{seconds}s", "--host", hosts[0], "--csv", str(prefix)),
        *("--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"),
    ]
    env = {**os.environ, "PLEDGE_LOAD_PLAN": str(plan_path)}
    subprocess.run(
        command, cwd=ROOT, env=env, check=False, capture_output=True, timeout=seconds + 120
    )
    with open(f"{prefix}_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv") as failed:
            failures = [dict(row) for row in csv.DictReader(failed)][:20]

    def figures(row: dict) -> dict:
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
            "per_s": round(float(row["Requests/s"]), 2),
        }

    return {
        "pages": {name: figures(rows[name]) for name in PAGES if name in rows},
        "all": figures(rows["Aggregated"]),
        "failures": failures,
    }


def page_cpu(web: Web, users: list[dict], path, rounds: int, cookie: str) -> float:
    """Gunicorn's CPU milliseconds per GET of ``path(user)`` for each user, in turn, with
    their session in the cookie named ``cookie``."""
    import http.client

    address, port = web.hosts[0].split("://", 1)[1].split(":")
    connection = http.client.HTTPConnection(address, int(port), timeout=60)

    def get(user: dict) -> None:
        headers = {"X-Forwarded-Proto": "https", "Cookie": f"{cookie}={user['session']}"}
        connection.request("GET", path(user), headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path(user)}: status {response.status}")

    for user in users:
        get(user)
    started = web.cpu_seconds()
    for _ in range(rounds):
        for user in users:
            get(user)
    connection.close()
    return (web.cpu_seconds() - started) * 1000 / (rounds * len(users))
