"""The first step after installing: the federation's unit and its first
administrator, who receives an invitation to set a password and then sets
up everything else on the administration pages.

    python manage.py setup_federation "Liên đoàn Lao động tỉnh Bắc Ninh" --code ldld-bac-ninh \\
        --administrator quantri --name "Đỗ Thị Minh Phương" --email quantri@ldld.bacninh.vn \\
        --url https://cdcs.ldld.bacninh.vn
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workflows.accounts.invitations import invitation_send
from workflows.organisation.models import Unit, UnitKind
from workflows.organisation.services import federation_found


class Command(BaseCommand):
    help = ("Create the federation's unit and its first administrator, and e-mail them an invitation "
            "(the link is printed too).")

    def add_arguments(self, parser):
        parser.add_argument("unit_name", help="the unit's name, e.g. “Liên đoàn Lao động tỉnh Bắc Ninh”")
        parser.add_argument("--code", required=True, help="the unit's code (letters, digits, hyphens)")
        parser.add_argument("--kind", default="provincial_federation",
                            help="the unit kind's code (default provincial_federation); see the unit kinds")
        parser.add_argument("--parent", default="", help="the code of an existing unit to put it under")
        parser.add_argument("--administrator", required=True, help="the first administrator's user name")
        parser.add_argument("--name", required=True, help="the first administrator's full name")
        parser.add_argument("--email", required=True, help="where the invitation goes")
        parser.add_argument("--url", default="http://localhost:8000",
                            help="the address people open the product at (for the invitation link)")

    def handle(self, *args, **options):
        kind = UnitKind.objects.filter(code=options["kind"]).first()
        if kind is None:
            known = ", ".join(UnitKind.objects.values_list("code", flat=True))
            raise CommandError(f"No unit kind “{options['kind']}”. Known kinds: {known}.")
        parent = None
        if options["parent"]:
            parent = Unit.objects.filter(code=options["parent"]).first()
            if parent is None:
                raise CommandError(f"No unit with the code “{options['parent']}”.")
        try:
            with transaction.atomic():
                user = federation_found(name=options["unit_name"], code=options["code"], kind=kind, parent=parent,
                                        administrator_username=options["administrator"],
                                        administrator_name=options["name"], administrator_email=options["email"])
                link = invitation_send(user=user, invited_by=None, base_url=options["url"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Created “{options['unit_name']}” and its administrator “{user.get_username()}”."))
        self.stdout.write(f"Invitation e-mailed to {user.email}. The link (valid for a limited time):\n{link}")
