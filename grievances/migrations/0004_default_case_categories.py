from django.db import migrations

CATEGORIES = ["农村土地征用", "城市拆迁", "环境污染", "安全事故", "权属纠纷", "山林土地流转", "低保分配", "村务财务", "劳资", "其他"]


def create_categories(apps, schema_editor):
    CaseCategory = apps.get_model("grievances", "CaseCategory")
    for name in CATEGORIES:
        CaseCategory.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    """The categories of PRODUCT.md, with the 2022 regulations' time limits as defaults."""

    dependencies = [("grievances", "0003_add_case_workflow")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
