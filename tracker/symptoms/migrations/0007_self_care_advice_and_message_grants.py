"""The self-care advice the app ships, and what the admin role may do with it and with
the messages about reports.

A frozen copy of `ADVICE` in `tracker/symptoms/shipped.py` (tests/test_reference_data.py
checks the two agree).  It is empty: no source this project holds gives self-care
advice for patients at home (docs/side-effects.md), so a centre adds its own, with its
source, in the admin.  Admins read the messages, never write them.
"""

from django.db import migrations

from tracker.accounts.roles import grant

# symptom slug, advice, source
ADVICE: list[tuple[str, str, str]] = []

GRANTS = {
    "admin": [
        "symptoms.view_selfcareadvice",
        "symptoms.add_selfcareadvice",
        "symptoms.change_selfcareadvice",
        "symptoms.view_historicalselfcareadvice",
        "symptoms.view_reportmessage",
        "symptoms.view_historicalreportmessage",
    ]
}


def load(apps, schema_editor):
    ProSymptom = apps.get_model("symptoms", "ProSymptom")
    SelfCareAdvice = apps.get_model("symptoms", "SelfCareAdvice")
    for order, (slug, text, source) in enumerate(ADVICE):
        symptom = ProSymptom.objects.filter(slug=slug).first()
        if symptom is not None:
            SelfCareAdvice.objects.get_or_create(
                symptom=symptom, order=order, defaults={"text": text, "source": source}
            )
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("symptoms", "0006_report_messages_and_self_care_advice"),
        ("patients", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
