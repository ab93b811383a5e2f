from django.db import migrations, models


def install(apps, schema_editor):
    from portal.dataversion import install_triggers

    install_triggers(schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    """The table goes with the migration; the PostgreSQL triggers name a function we drop too."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_bump_data_version() CASCADE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'portal_data_version%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


class Migration(migrations.Migration):
    """DESIGN 9: one data version that database triggers bump on every write by any path."""

    dependencies = [
        ("portal", "0002_dashboard_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField()),
            ],
            options={"db_table": "portal_dataversion"},
        ),
        migrations.RunPython(install, uninstall),
    ]
