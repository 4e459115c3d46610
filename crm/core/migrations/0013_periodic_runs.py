"""Periodic tasks run once per period, however many consumers run a scheduler."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_search_token_statistics"),
    ]

    operations = [
        migrations.CreateModel(
            name="PeriodicRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("task", models.CharField(max_length=100, unique=True)),
                ("period", models.DateTimeField()),
                ("ran_at", models.DateTimeField()),
            ],
        ),
    ]
