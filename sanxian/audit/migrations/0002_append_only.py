"""A trigger refuses any UPDATE of an audit entry, on SQLite and PostgreSQL alike."""

from django.db import migrations

FORWARD = {
    "sqlite": [
        "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END;",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_auditevent_refuse_update() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit entries cannot be changed'; END; "
        "$$ LANGUAGE plpgsql;",
        "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_update();",
    ],
}
BACKWARD = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_auditevent_no_update;"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_auditevent_no_update ON audit_auditevent;",
        "DROP FUNCTION IF EXISTS audit_auditevent_refuse_update();",
    ],
}


def _run(statements: dict[str, list[str]], schema_editor) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    _run(FORWARD, schema_editor)


def backwards(apps, schema_editor):
    _run(BACKWARD, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_log")]

    operations = [migrations.RunPython(forwards, backwards)]
