from django.db import migrations

from accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Handlers register and work cases; leaders approve and close them."""

    dependencies = [("grievances", "0004_default_case_categories")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
