from django.db import migrations

from accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Give the roles their permissions on target villages, assignments, change records and imports."""

    dependencies = [
        ("campaigns", "0002_add_villages_assignments_events_imports"),
        ("accounts", "0002_create_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
