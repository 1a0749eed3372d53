"""The ranking weights now belong to dashboards (its 0001 renamed the table and relabelled the content type):
outreach forgets the model, and a content type of the old label made again meanwhile by a permission sync goes."""

from django.db import migrations


def drop_stale_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="dashboards", model="rankingweight").exists():
        ContentType.objects.filter(app_label="outreach", model="rankingweight").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("outreach", "0002_add_ranking_weights"),
        ("dashboards", "0001_move_ranking_weights"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="RankingWeight")]),
        migrations.RunPython(drop_stale_content_type, migrations.RunPython.noop),
    ]
