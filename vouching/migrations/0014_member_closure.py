"""Members can close their account: every link to a member lets go of them.

Their vouches, invitations and forfeits leave with them; what others keep (a forfeit
they caused, an invitation that brought them in, a report they filed, an appeal or a
revocation a moderator decided) forgets them. The moderation log keeps every record:
the database's append-only trigger now allows exactly one change, clearing the link to
a member (with a pseudonym set first, ``former_member_pseudonym``) or to a vouch that
left with them.
"""

import django.db.models.deletion
import vouching.models.moderation
from django.conf import settings
from django.db import migrations, models


# The columns a closure may change; everything else stays as it was written.
UNLINKABLE = "ARRAY['actor_id', 'actor_pseudonym', 'member_id', 'member_pseudonym', 'vouch_id']"


def _unlinked(who: str, same: str) -> str:
    """Condition: the link to ``who`` is unchanged, or cleared after its pseudonym was set."""
    return (
        f"(NEW.{who}_id {same} OLD.{who}_id OR (NEW.{who}_id IS NULL "
        f"AND NEW.{who}_pseudonym <> '')) AND (NEW.{who}_pseudonym = OLD.{who}_pseudonym "
        f"OR (OLD.{who}_pseudonym = '' AND OLD.{who}_id IS NOT NULL))"
    )


POSTGRES = f"""
CREATE OR REPLACE FUNCTION vouching_moderation_record_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (to_jsonb(NEW) - {UNLINKABLE}) = (to_jsonb(OLD) - {UNLINKABLE})
        AND (NEW.vouch_id IS NOT DISTINCT FROM OLD.vouch_id OR NEW.vouch_id IS NULL)
        AND {_unlinked("member", "IS NOT DISTINCT FROM")}
        AND {_unlinked("actor", "IS NOT DISTINCT FROM")}
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the moderation log is append-only';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_UNDO = """
CREATE OR REPLACE FUNCTION vouching_moderation_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the moderation log is append-only';
END;
$$ LANGUAGE plpgsql;
"""
KEPT = ["id", "action", "report_id", "cause_id", "reason", "note", "before", "after", "created_at"]
SQLITE_TRIGGER = """
CREATE TRIGGER vouching_moderationrecord_no_update
BEFORE UPDATE ON vouching_moderationrecord
{condition}
BEGIN
    SELECT RAISE(ABORT, 'the moderation log is append-only');
END;
"""
SQLITE = [
    "DROP TRIGGER IF EXISTS vouching_moderationrecord_no_update;",
    SQLITE_TRIGGER.format(
        condition="WHEN NOT ("
        + " AND ".join(f"NEW.{column} IS OLD.{column}" for column in KEPT)
        + " AND (NEW.vouch_id IS OLD.vouch_id OR NEW.vouch_id IS NULL)"
        + f" AND {_unlinked('member', 'IS')} AND {_unlinked('actor', 'IS')})"
    ),
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS vouching_moderationrecord_no_update;",
    SQLITE_TRIGGER.format(condition=""),
]


def allow_unlinking(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": [POSTGRES], "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(sql)


def refuse_unlinking(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": [POSTGRES_UNDO], "sqlite": SQLITE_UNDO}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("vouching", "0013_image_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="moderationrecord",
            name="actor_pseudonym",
            field=models.CharField(blank=True, editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="moderationrecord",
            name="member_pseudonym",
            field=models.CharField(blank=True, editable=False, max_length=16),
        ),
        migrations.AlterField(
            model_name="appeal",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="inviter",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations_sent",
                to=settings.AUTH_USER_MODEL,
                verbose_name="inviter",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="member",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="member who joined",
            ),
        ),
        migrations.AlterField(
            model_name="moderationrecord",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for automatic consequences.",
                null=True,
                on_delete=vouching.models.moderation.unlink_from_log,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="moderator",
            ),
        ),
        migrations.AlterField(
            model_name="moderationrecord",
            name="member",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=vouching.models.moderation.unlink_from_log,
                related_name="moderation_records",
                to=settings.AUTH_USER_MODEL,
                verbose_name="member",
            ),
        ),
        migrations.AlterField(
            model_name="moderationrecord",
            name="vouch",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=vouching.models.moderation.unlink_from_log,
                related_name="+",
                to="vouching.vouch",
            ),
        ),
        migrations.AlterField(
            model_name="pledgeforfeit",
            name="vouch",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="forfeits",
                to="vouching.vouch",
                verbose_name="vouch",
            ),
        ),
        migrations.AlterField(
            model_name="pledgeforfeit",
            name="vouchee",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="vouched for",
            ),
        ),
        migrations.AlterField(
            model_name="pledgeforfeit",
            name="voucher",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="forfeits",
                to=settings.AUTH_USER_MODEL,
                verbose_name="voucher",
            ),
        ),
        migrations.AlterField(
            model_name="vouch",
            name="invitation",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="vouch",
                to="vouching.invitation",
                verbose_name="invitation",
            ),
        ),
        migrations.AlterField(
            model_name="vouch",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="revoked by",
            ),
        ),
        migrations.AlterField(
            model_name="vouch",
            name="vouchee",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="vouches_received",
                to=settings.AUTH_USER_MODEL,
                verbose_name="vouchee",
            ),
        ),
        migrations.AlterField(
            model_name="vouch",
            name="voucher",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="vouches_given",
                to=settings.AUTH_USER_MODEL,
                verbose_name="voucher",
            ),
        ),
        migrations.RunPython(allow_unlinking, refuse_unlinking),
    ]
