"""The currency of an opportunity's amount (CurrencyIsoCode of a multi-currency org)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0003_external_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="currency",
            field=models.CharField(blank=True, max_length=3, verbose_name="currency"),
        ),
    ]
