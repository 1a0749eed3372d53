# Rating cards (评议卡) replace the phone digits on the public rating page; a rating records the staff
# session it came from; an ID number is unique within its village, no longer across the system.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_harden_audit_triggers'),
        ('campaigns', '0007_add_dashboard_rollups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RatingCard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64, verbose_name='rating code hash')),
                ('issued_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='printed at')),
            ],
            options={
                'verbose_name': 'rating card',
                'verbose_name_plural': 'rating cards',
            },
        ),
        migrations.RemoveConstraint(
            model_name='household',
            name='household_unique_id_number',
        ),
        migrations.AddField(
            model_name='evaluation',
            name='signed_in_account',
            field=models.ForeignKey(blank=True, help_text='The staff account signed in on the browser the rating was sent from, if any.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent from the session of'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.UniqueConstraint(condition=models.Q(('id_number_hash', ''), _negated=True), fields=('id_number_hash', 'village'), name='household_unique_id_number_in_village'),
        ),
        migrations.AddField(
            model_name='ratingcard',
            name='household',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.household', verbose_name='household'),
        ),
        migrations.AddField(
            model_name='ratingcard',
            name='issued_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='printed by'),
        ),
        migrations.AddField(
            model_name='ratingcard',
            name='target_village',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rating_cards', to='campaigns.targetvillage', verbose_name='team'),
        ),
        migrations.AddConstraint(
            model_name='ratingcard',
            constraint=models.UniqueConstraint(fields=('target_village', 'household'), name='one_rating_card_per_household_and_team'),
        ),
    ]
