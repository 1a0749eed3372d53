"""Rankings one case cannot flip (issue 19): each indicator counts for a row only from a minimum of records
behind it, and confirmed fabrications take points off. The weights' rows get their first minimums, and the
deduction its one row; both can run twice."""

import django.core.validators
from django.db import migrations, models

# The minimums as first set (dashboards.models.DEFAULT_MINIMUMS may change later; these stay).
FIRST_MINIMUMS = {"coverage": 10, "resident_satisfaction": 10, "on_time_acceptance": 5, "on_time_resolution": 5,
                  "case_satisfaction": 5, "mediation_success": 5}


def first_minimums(apps, schema_editor):
    RankingWeight = apps.get_model("dashboards", "RankingWeight")
    for indicator, minimum in FIRST_MINIMUMS.items():
        RankingWeight.objects.filter(indicator=indicator).update(minimum=minimum)


def deduction_row(apps, schema_editor):
    RankingDeduction = apps.get_model("dashboards", "RankingDeduction")
    if not RankingDeduction.objects.exists():
        RankingDeduction.objects.create(points_per_flag=2)


class Migration(migrations.Migration):

    dependencies = [
        ('dashboards', '0001_move_ranking_weights'),
    ]

    operations = [
        migrations.CreateModel(
            name='RankingDeduction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points_per_flag', models.PositiveSmallIntegerField(default=2, help_text="Percentage points taken off a township's or unit's score for each of its flags confirmed (属实); the score never goes below 0. 0 takes nothing off.", validators=[django.core.validators.MaxValueValidator(100)], verbose_name='points off per confirmed fabrication')),
            ],
            options={
                'verbose_name': 'ranking deduction',
                'verbose_name_plural': 'ranking deductions',
            },
        ),
        migrations.AddField(
            model_name='rankingweight',
            name='minimum',
            field=models.PositiveSmallIntegerField(default=5, help_text="The indicator counts for a township or unit only from this many records behind it (households registered, residents' ratings, cases due for an answer or for resolution, rated cases, mediated disputes); below it the row shows 样本不足 and gets no score.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10000)], verbose_name='minimum records'),
        ),
        migrations.RunPython(first_minimums, migrations.RunPython.noop),
        migrations.RunPython(deduction_row, migrations.RunPython.noop),
    ]
