"""A product's cost is hidden from `sales` until the admin decides otherwise (issue 16)."""

from django.db import migrations


def hide_cost(apps, schema_editor):
    SensitiveField = apps.get_model("access", "SensitiveField")
    SensitiveField.objects.get_or_create(module="products", field="cost", defaults={"hidden_from": ["sales"]})


def show_cost(apps, schema_editor):
    apps.get_model("access", "SensitiveField").objects.filter(module="products", field="cost").delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("access", "0001_initial")]

    operations = [migrations.RunPython(hide_cost, show_cost)]
