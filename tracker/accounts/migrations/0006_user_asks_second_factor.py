from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_invitation_grants"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="asks_second_factor",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "A patient who chose to give a code after their password. Staff are always asked."
                ),
                verbose_name="asks for a second factor",
            ),
        ),
    ]
