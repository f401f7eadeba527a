"""A real Celery worker process, for the tests and the benchmarks that need one.

Not part of the site: ``make run`` and deployments start their workers from the Procfile.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class WorkerProcess:
    """``celery -A matchmaking worker`` on one queue, one task at a time, its log kept
    (and at a lower CPU priority with ``nice``).

        Starting waits until the worker says it is ready, or stops it and raises
        ``RuntimeError`` with the end of its log.
    """

    def __init__(
        self,
        *,
        queue: str,
        env: dict[str, str],
        name: str,
        timeout: float,
        app="matchmaking",
        nice: int = 0,
    ):
        self.lines: list[str] = []
        self._ready = threading.Event()
        # ``nice``: the worker's CPU priority below the web's, as the deployment runs it
        # (docs/deploy/pledge-worker.service); ``nice`` execs the worker in its place.
        self.process = subprocess.Popen(
            [
                *(("nice", "-n", str(nice)) if nice else ()),
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                queue,
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--hostname",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(timeout=timeout) or self.process.poll() is not None:
            self.stop()
            raise RuntimeError("The Celery worker did not start:\n" + "".join(self.lines[-50:]))

    def _drain(self) -> None:
        # Keep reading so the worker never blocks on a full pipe; keep the log for failures.
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self._ready.set()
        self._ready.set()

    def stop(self, timeout: float = 30) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
