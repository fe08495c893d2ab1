"""Every tenant starts with one pipeline. Seven small inserts per schema, so it
is cheap inside the one transaction that migrates a spare schema; the stage list
is frozen here on purpose (later changes to DEFAULT_STAGES in services.py apply
to new pipelines, not retroactively to tenants)."""

from django.db import migrations

STAGES = (
    ("Qualification", 10, "open"),
    ("Needs analysis", 30, "open"),
    ("Proposal", 60, "open"),
    ("Negotiation", 80, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
)


def create_default_pipeline(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name="Sales", is_default=True)
    Stage.objects.bulk_create(Stage(pipeline=pipeline, position=i, name=name, probability=probability, kind=kind)
                              for i, (name, probability, kind) in enumerate(STAGES))


def delete_untouched_default_pipeline(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Pipeline.objects.filter(name="Sales", is_default=True, deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunPython(create_default_pipeline, delete_untouched_default_pipeline)]
