"""The database itself refuses to change or delete moderation records.

PostgreSQL refuses UPDATE and DELETE. SQLite refuses UPDATE; it cannot refuse DELETE
without also breaking the test runner's table flush, so there the ORM's refusal holds.
"""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION vouching_moderation_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the moderation log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER vouching_moderationrecord_append_only
    BEFORE UPDATE OR DELETE ON vouching_moderationrecord
    FOR EACH ROW EXECUTE FUNCTION vouching_moderation_record_append_only();
"""
POSTGRES_UNDO = """
DROP TRIGGER IF EXISTS vouching_moderationrecord_append_only ON vouching_moderationrecord;
DROP FUNCTION IF EXISTS vouching_moderation_record_append_only();
"""
SQLITE = """
CREATE TRIGGER vouching_moderationrecord_no_update
BEFORE UPDATE ON vouching_moderationrecord
BEGIN
    SELECT RAISE(ABORT, 'the moderation log is append-only');
END;
"""
SQLITE_UNDO = "DROP TRIGGER IF EXISTS vouching_moderationrecord_no_update;"


def protect(apps, schema_editor):
    sql = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def unprotect(apps, schema_editor):
    sql = {"postgresql": POSTGRES_UNDO, "sqlite": SQLITE_UNDO}.get(
        schema_editor.connection.vendor
    )
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("vouching", "0005_moderation")]

    operations = [migrations.RunPython(protect, unprotect)]
