from django.db import migrations

from accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Give the roles their permissions on visits, check-ins, pairings, full personal data and cases."""

    dependencies = [
        ("grievances", "0001_add_case_registration"),
        ("campaigns", "0006_add_field_work"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
