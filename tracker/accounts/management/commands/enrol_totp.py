import io

import qrcode
import qrcode.image.svg
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.accounts.second_factor import EnrolRefused, enrol_authenticator, issue_backup_codes


class Command(BaseCommand):
    help = (
        "Enrol a staff user's authenticator app (TOTP) for the admin: prints the set-up "
        "link as a QR code to scan, and optionally backup codes."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--replace", action="store_true", help="Replace an existing authenticator."
        )
        parser.add_argument("--svg", metavar="FILE", help="Also write the QR code as an SVG file.")
        parser.add_argument(
            "--backup-codes",
            type=int,
            default=0,
            metavar="N",
            help="Also issue N single-use backup codes (replacing unused ones).",
        )

    def handle(self, username, replace=False, svg=None, backup_codes=0, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username}.")
        if not 0 <= backup_codes <= 20:
            raise CommandError("Issue between 0 and 20 backup codes.")
        try:
            device = enrol_authenticator(user, replace=replace)
        except EnrolRefused as error:
            raise CommandError(str(error)) from error
        url = device.config_url
        self.stdout.write(f"Scan this with {username}'s authenticator app, or enter the link:")
        self.stdout.write(url)
        text = io.StringIO()
        code = qrcode.QRCode(border=1)
        code.add_data(url)
        code.print_ascii(out=text)
        self.stdout.write(text.getvalue())
        if svg:
            qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage).save(svg)
            self.stdout.write(f"QR code written to {svg}.")
        if backup_codes:
            self.stdout.write("Backup codes, each usable once; keep them somewhere safe:")
            for token in issue_backup_codes(user, backup_codes):
                self.stdout.write(f"  {token}")
