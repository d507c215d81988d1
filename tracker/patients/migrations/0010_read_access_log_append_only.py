"""The read-access log is append-only: the database refuses to change or delete a row.
Admins read it in the admin (view permission only: nobody is given more).

Whoever holds the application's database login (and the ORM, the admin, a shell)
can only add rows.  On SQLite a delete is allowed only where the project's flush
command allows it (tracker.patients.access_log); PostgreSQL's flush truncates,
which row triggers do not see.

A later migration that rebuilds this table on SQLite (most column changes do) drops
these triggers with the old table, and must create them again.
"""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {"admin": ["patients.view_recordaccess"]}

REFUSAL = "The read-access log is append-only: its rows cannot be changed or deleted."

SQLITE = [
    f"""
    CREATE TRIGGER patients_recordaccess_no_update
    BEFORE UPDATE ON patients_recordaccess
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END
    """,
    f"""
    CREATE TRIGGER patients_recordaccess_no_delete
    BEFORE DELETE ON patients_recordaccess
    WHEN NOT recordaccess_purge_allowed()
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS patients_recordaccess_no_update",
    "DROP TRIGGER IF EXISTS patients_recordaccess_no_delete",
]

POSTGRESQL = [
    f"""
    CREATE FUNCTION patients_recordaccess_refuse() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER patients_recordaccess_append_only
    BEFORE UPDATE OR DELETE ON patients_recordaccess
    FOR EACH ROW EXECUTE FUNCTION patients_recordaccess_refuse()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS patients_recordaccess_append_only ON patients_recordaccess",
    "DROP FUNCTION IF EXISTS patients_recordaccess_refuse()",
]


def statements_for(vendor: str, *, forward: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE if forward else SQLITE_REVERSE
    if vendor == "postgresql":
        return POSTGRESQL if forward else POSTGRESQL_REVERSE
    raise NotImplementedError(f"No append-only triggers for {vendor}: add them here.")


def create_triggers(apps, schema_editor):
    for statement in statements_for(schema_editor.connection.vendor, forward=True):
        schema_editor.execute(statement)


def grant_view(apps, schema_editor):
    grant(apps, GRANTS)


def drop_triggers(apps, schema_editor):
    for statement in statements_for(schema_editor.connection.vendor, forward=False):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("patients", "0009_read_access_log")]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(grant_view, migrations.RunPython.noop),
    ]
