"""The trust paths' plain SQL writes the accepted status into the query as a literal
(SQLite uses a partial index only when the query states its condition)."""

import pytest
from django.db import connection

from tests.factories import VouchFactory
from vouching.models import Vouch
from vouching.trust.paths import sql as paths_sql

pytestmark = pytest.mark.django_db


def test_the_accepted_status_needs_no_quoting_in_sql():
    """Plain letters: written between quotes, the value can neither end the string early
    nor mean anything else."""
    assert Vouch.Status.ACCEPTED.value.isalpha()
    assert paths_sql.ACCEPTED == f"status = '{Vouch.Status.ACCEPTED.value}'"


def test_the_accepted_condition_matches_the_accepted_vouches():
    for status in Vouch.Status.values:
        VouchFactory(status=status)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Vouch._meta.db_table} WHERE {paths_sql.ACCEPTED}")
        found = sorted(row[0] for row in cursor.fetchall())
    assert found == sorted(Vouch.objects.accepted().values_list("pk", flat=True))
    assert found
