import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")

app = Celery("pledge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def make_local_folders(sender, source, **kwargs):
    """Make the folders an embedded setup keeps Celery's state in, the first time a
    process uses Celery: the filesystem broker's (kombu expects them) and the one for
    beat's schedule file. Settings only name them."""
    options = source.broker_transport_options or {}
    folders = [options.get("data_folder_in"), options.get("data_folder_out")]
    if source.beat_schedule_filename:
        folders.append(Path(source.beat_schedule_filename).parent)
    for folder in filter(None, folders):
        Path(folder).mkdir(parents=True, exist_ok=True)
