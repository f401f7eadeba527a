"""The web server's entry points load the whole site before the first request and keep
its long-lived objects out of the garbage collector's full passes."""

import os
import subprocess
import sys

import pytest

CHECK = (
    "import gc, sys, importlib; importlib.import_module(sys.argv[1]); "
    "print(gc.get_freeze_count(), 'matchmaking.views' in sys.modules, "
    "'vouching.views' in sys.modules)"
)


@pytest.mark.parametrize("module", ["matchmaking.wsgi", "matchmaking.asgi"])
def test_entry_point_loads_the_views_and_freezes_the_heap(module):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "matchmaking.settings"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, module], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    frozen, dating_views, vouching_views = done.stdout.split()
    assert int(frozen) > 10_000, "Django, the views and their libraries are frozen"
    assert dating_views == "True" and vouching_views == "True"
