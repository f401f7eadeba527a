"""The Celery app of a worker that pauses every trust recalculation at one step, for
tests that kill it there: ``celery -A tests.faults.paused_worker worker``.

``PLEDGE_TEST_PAUSE_AT`` names the step: ``compute`` (the graph loaded, nothing stored)
or ``drift`` (standing stored, inside the second write, the scores that drifted).
Reaching it, the worker creates the file ``PLEDGE_TEST_PAUSED_FILE`` and sleeps. Only
tests load this module; the site never does.
"""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from matchmaking.celery import app

__all__ = ["app"]

STEPS = {"compute": "load_trust_graph", "drift": "store_scores"}


def _pause(*args, **kwargs):
    Path(os.environ["PLEDGE_TEST_PAUSED_FILE"]).touch()
    time.sleep(3600)


@task_prerun.connect
def _pause_recalculations(**kwargs):
    from vouching.services import trust

    name = STEPS[os.environ["PLEDGE_TEST_PAUSE_AT"]]
    original = getattr(trust, name)
    if original is _pause or getattr(original, "pauses", False):
        return

    def paused(*args, **kwargs):
        result = original(*args, **kwargs) if name == "load_trust_graph" else None
        _pause()
        return result

    paused.pauses = True
    setattr(trust, name, paused)
