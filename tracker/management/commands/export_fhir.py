"""Print one patient's record as a FHIR R4 Bundle (JSON), or write it to a file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.exchange import fhir
from tracker.patients.models import Patient


def _fail(message: str) -> CommandError:
    # One line on stderr, whatever the underlying message looked like.
    return CommandError(" ".join(str(message).split()))


class Command(BaseCommand):
    help = (
        "Print a patient's record as a FHIR R4 Bundle (type collection, JSON), validated with "
        "fhir.resources. Includes the staff notes a patient's own download leaves out. "
        "Reads only; writes nothing but --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("mrn", help="The patient's MRN, e.g. DEMO-0001.")
        parser.add_argument(
            "--output", metavar="FILE", help="Write the JSON to FILE instead of the screen."
        )

    def handle(self, *args, mrn, output=None, **options):
        patient = Patient.objects.filter(mrn=mrn.strip()).first()
        if patient is None:
            raise _fail(f"No patient with MRN {mrn.strip()!r}.")
        try:
            bundle = fhir.patient_bundle(patient, staff_notes=True)
        except fhir.ExportInvalid as error:
            raise _fail(error) from None
        text = fhir.to_json(bundle)
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise _fail(f"Cannot write {output}: {error.strerror or error}.") from None
        self.stdout.write(
            f"Wrote the FHIR bundle for {patient.mrn} ({len(bundle['entry'])} resources) "
            f"to {output}."
        )
