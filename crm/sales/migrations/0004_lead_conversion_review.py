"""A lead's conversion may go through an approval process: the status "in review" and the
plan the conversion carries out once approved."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0003_contact_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="conversion_plan",
            field=models.JSONField(
                blank=True, editable=False, null=True, verbose_name="conversion plan"
            ),
        ),
        migrations.AlterField(
            model_name="lead",
            name="status",
            field=models.CharField(
                choices=[
                    ("new", "New"),
                    ("following", "Following up"),
                    ("qualified", "Qualified"),
                    ("reviewing", "In review"),
                    ("converted", "Converted"),
                    ("invalid", "Invalid"),
                ],
                default="new",
                max_length=12,
                verbose_name="status",
            ),
        ),
    ]
