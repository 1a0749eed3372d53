"""The ranking weights move from outreach (configuration) to dashboards, which reads them: the table is
renamed and its content type relabelled, so the weights, their permissions and every grant of them stay."""

import django.core.validators
from django.db import migrations, models

from accounts.roles import sync_role_permissions


def relabel_content_type(apps, schema_editor, old="outreach", new="dashboards"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="rankingweight").exists():
        ContentType.objects.filter(app_label=old, model="rankingweight").update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel_content_type(apps, schema_editor, old="dashboards", new="outreach")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("outreach", "0002_add_ranking_weights"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL("ALTER TABLE outreach_rankingweight RENAME TO dashboards_rankingweight",
                                  "ALTER TABLE dashboards_rankingweight RENAME TO outreach_rankingweight"),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="RankingWeight",
                    fields=[
                        ("indicator", models.CharField(choices=[("coverage", "Household coverage"), ("resident_satisfaction", "Residents' rating of the work teams"), ("on_time_acceptance", "Cases answered on time"), ("on_time_resolution", "Cases resolved on time"), ("case_satisfaction", "Petitioners satisfied"), ("mediation_success", "Mediation success")], max_length=30, primary_key=True, serialize=False, verbose_name="indicator")),
                        ("weight", models.PositiveSmallIntegerField(default=0, help_text="0 leaves the indicator out of the score.", validators=[django.core.validators.MaxValueValidator(100)], verbose_name="weight")),
                    ],
                    options={
                        "verbose_name": "ranking weight",
                        "verbose_name_plural": "ranking weights",
                        "ordering": ["indicator"],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_type, relabel_back),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
