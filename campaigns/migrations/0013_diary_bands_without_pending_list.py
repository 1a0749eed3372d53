from django.db import migrations


def no_pending_list(apps, schema_editor):
    """The diary bands' GIN index takes each visit's bands at once (fastupdate off): with GIN's pending list a lookup
    reads every entry not yet merged (up to 4 MB), and the copied-diary rule looks up twelve bands right after each
    write. Whatever is pending now is merged."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX visit_diary_bands SET (fastupdate = off)")
        schema_editor.execute("SELECT gin_clean_pending_list('visit_diary_bands'::regclass)")


def pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX visit_diary_bands RESET (fastupdate)")


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0012_diary_band_hashes"),
    ]

    operations = [
        migrations.RunPython(no_pending_list, pending_list),
    ]
