from django.db import migrations

from accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Create the five role groups with their permissions (accounts/roles.py)."""

    dependencies = [
        ("accounts", "0001_initial"),
        ("campaigns", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
