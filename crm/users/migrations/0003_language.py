from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(blank=True, default="", max_length=10, verbose_name="language"),
        ),
    ]
