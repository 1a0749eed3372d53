from django.db import migrations

from grievances.categories import ensure_default_categories


def create_categories(apps, schema_editor):
    ensure_default_categories(apps.get_model("grievances", "CaseCategory"))


class Migration(migrations.Migration):
    """The categories of PRODUCT.md, with the 2022 regulations' time limits as defaults."""

    dependencies = [("grievances", "0003_add_case_workflow")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
