from django.db import migrations

from accounts.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Supervisors may put cases under supervision (挂牌督办)."""

    dependencies = [("grievances", "0007_add_mediation")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
