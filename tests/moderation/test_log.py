"""The moderation log: append-only in the ORM and the database, read-only in the
admin, and the recalculation's own records of standing lost."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from tests.factories import MemberFactory, ModeratorFactory
from vouching import services as vouching_services
from vouching.models import ModerationRecord

pytestmark = pytest.mark.django_db


def test_standing_lost_is_recorded_by_the_recalculation(community):
    mod = ModeratorFactory()
    vouching_services.member_ban(
        member=community["ann"], moderator=mod, reason="fake", note="A fake account."
    )
    run = vouching_services.trust_recalculate()
    lost = set(
        ModerationRecord.objects.filter(action="standing_lost").values_list("member_id", flat=True)
    )
    assert lost == {m for m in run.standing_changed if m != community["ann"].pk} | (
        {community["ann"].pk} if community["ann"].pk in run.standing_changed else set()
    )
    assert all(r.actor is None for r in ModerationRecord.objects.filter(action="standing_lost"))


def test_the_log_is_append_only_in_the_orm_and_the_database(community):
    entry = vouching_services.moderation_record_create(
        actor=ModeratorFactory(), action="ban", member=community["bob"], note="x"
    )
    entry.note = "edited"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        ModerationRecord.objects.filter(pk=entry.pk).update(note="edited")
    with pytest.raises(PermissionError):
        ModerationRecord.objects.all().delete()
    table = ModerationRecord._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET note = 'edited' WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert ModerationRecord.objects.get(pk=entry.pk).note == "x"


def test_the_admin_only_reads_the_log(community, with_second_factor):
    entry = vouching_services.moderation_record_create(
        actor=None, action="forfeit", member=community["bob"]
    )
    admin = with_second_factor(MemberFactory(is_staff=True, is_superuser=True))
    base = "admin:vouching_moderationrecord"
    assert admin.get(reverse(f"{base}_changelist")).status_code == 200
    assert admin.get(reverse(f"{base}_add")).status_code == 403
    assert admin.post(reverse(f"{base}_delete", args=[entry.pk])).status_code == 403
    page = admin.get(reverse(f"{base}_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text


def test_standing_lost_names_its_cause_and_the_standing_before_and_after(community):
    mod = ModeratorFactory()
    ban = vouching_services.member_ban(
        member=community["ann"], moderator=mod, reason="fake", note="F."
    )
    vouching_services.trust_recalculate()
    lost = ModerationRecord.objects.get(action="standing_lost", member=community["cat"])
    assert lost.cause == ban and lost.reason == "fake"
    assert lost.before["standing"] == "vouched"
    carried = set(lost.before["carried_by"])
    assert carried and carried <= {community["ann"].pk, community["bob"].pk}
    assert lost.after["standing"] == "pending" and lost.after["actions"] == [ban.pk]
    assert lost.after["generation"] == vouching_services.trust_recalculate(force=True).generation


def test_the_log_refuses_a_forged_insert_and_the_base_manager(community):
    entry = vouching_services.moderation_record_create(
        actor=None, action="forfeit", member=community["bob"], note="x"
    )
    forged = ModerationRecord(pk=entry.pk, action="ban", member=community["bob"], note="forged")
    with pytest.raises(PermissionError):
        forged.save()
    with pytest.raises(PermissionError):
        ModerationRecord._base_manager.all().delete()
    with pytest.raises(PermissionError):
        ModerationRecord._base_manager.filter(pk=entry.pk).update(note="edited")
    assert ModerationRecord.objects.get(pk=entry.pk).note == "x"
