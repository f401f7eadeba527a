"""Django's ``migrate``, which first makes the folder of a SQLite database file.

The embedded setup keeps its database under ``var/`` (``PLEDGE_VAR_DIR``), and SQLite
makes the file but not its folder. Settings only name the folder; the first command to
need it, ``migrate`` (``make run``, and the tests creating their database), makes it.
"""

from pathlib import Path

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections


class Command(MigrateCommand):
    def execute(self, *args, **options):
        # Before the system checks, which already open the database.
        database = connections[options["database"]]
        if database.vendor == "sqlite" and not database.is_in_memory_db():
            Path(database.settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        return super().execute(*args, **options)
