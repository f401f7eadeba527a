"""The Celery app of a worker that pauses every trust recalculation at one step, for
tests that kill it there: ``celery -A tests.faults.paused_worker worker``.

``PLEDGE_TEST_PAUSE_AT`` names the step: ``compute`` (the graph loaded, nothing stored)
or ``drift`` (standing stored, inside the second write, the scores that drifted).
Reaching it, the worker creates the file ``PLEDGE_TEST_PAUSED_FILE`` and sleeps until the
file ``PLEDGE_TEST_RESUME_FILE`` exists (then every later run goes straight through). Only
tests load this module; the site never does.
"""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from matchmaking.celery import app

__all__ = ["app"]

STEPS = {"compute": "load_trust_graph", "drift": "store_scores"}


def _pause() -> None:
    resume = Path(os.environ.get("PLEDGE_TEST_RESUME_FILE", "/nonexistent/never"))
    if resume.exists():
        return
    Path(os.environ["PLEDGE_TEST_PAUSED_FILE"]).touch()
    deadline = time.monotonic() + 600
    while not resume.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@task_prerun.connect
def _pause_recalculations(**kwargs):
    from vouching.services import trust

    name = STEPS[os.environ["PLEDGE_TEST_PAUSE_AT"]]
    original = getattr(trust, name)
    if getattr(original, "pauses", False):
        return

    def paused(*args, **kwargs):
        if name == "load_trust_graph":  # the graph as it stood when the run began
            result = original(*args, **kwargs)
            _pause()
            return result
        _pause()  # inside the write's transaction
        return original(*args, **kwargs)

    paused.pauses = True
    setattr(trust, name, paused)
