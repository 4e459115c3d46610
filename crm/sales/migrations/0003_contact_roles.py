# The contacts' parts in an opportunity's purchase.

import crm.customization.models
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_credit_limit"),
        ("customization", "0005_custom_field_ranges"),
        ("sales", "0002_lead_dictionaries"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactRole",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "attitude",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("supports", "Supports us"),
                            ("neutral", "Neutral"),
                            ("opposes", "Opposes us"),
                        ],
                        max_length=8,
                        verbose_name="attitude",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "opportunity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_roles",
                        to="sales.opportunity",
                    ),
                ),
                (
                    "role",
                    crm.customization.models.DictionaryField(
                        blank=False,
                        dictionary="contact_role",
                        null=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        verbose_name="buying role",
                    ),
                ),
            ],
            options={
                "verbose_name": "contact role",
                "verbose_name_plural": "contact roles",
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("opportunity", "contact"), name="contact_role_once"
                    )
                ],
            },
        ),
    ]
