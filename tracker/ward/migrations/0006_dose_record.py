"""The model of a dose's record is DoseRecord, the word the ward and the pages use.

Renaming moves the tables and content types; the permissions keep their rows and
are renamed here, so the admin group's grants carry over.
"""

from django.db import migrations

RENAMED = {"administration": "doserecord", "historicaladministration": "historicaldoserecord"}
NAMES = {"administration": "dose record", "historical administration": "historical dose record"}


def rename_permissions(apps, schema_editor, renamed=RENAMED, names=NAMES):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="ward"):
        action, _, model = permission.codename.partition("_")
        if model in renamed:
            permission.codename = f"{action}_{renamed[model]}"
            for old, new in sorted(names.items(), key=lambda n: -len(n[0])):
                if permission.name.endswith(f" {old}"):
                    permission.name = permission.name.removesuffix(old) + new
                    break
            permission.save(update_fields=["codename", "name"])


def restore_permissions(apps, schema_editor):
    rename_permissions(
        apps,
        schema_editor,
        renamed={new: old for old, new in RENAMED.items()},
        names={new: old for old, new in NAMES.items()},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ward", "0005_one_name_for_error_has_reason"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameModel("Administration", "DoseRecord"),
        migrations.RenameModel("HistoricalAdministration", "HistoricalDoseRecord"),
        migrations.RunPython(rename_permissions, restore_permissions),
    ]
