"""Phones and mobiles are searched as their mask allows: the search tokens of customers and
contacts are written again (crm.core.search: what the mask shows and the whole number for
everyone, every fragment for holders of "unmask" only)."""

from django.db import migrations

from crm.core.search import rewrite_masked


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_owner_list_orders"),
        ("core", "0012_search_token_statistics"),
    ]

    operations = [migrations.RunPython(rewrite_masked("customers"), migrations.RunPython.noop)]
