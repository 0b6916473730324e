"""The first step after installing: ``manage.py setup_federation`` creates
the federation's unit and its first administrator, who is invited by e-mail,
sets a password from the link and administers the unit."""
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command

from workflows.organisation.models import ChangeAction, ChangeRecord, Unit
from workflows.organisation.permissions import can_administer_unit, roles_held

pytestmark = pytest.mark.django_db

ARGS = ["Liên đoàn Lao động tỉnh Lạng Sơn", "--code", "ldld-lang-son", "--administrator", "quantri.ls",
        "--name", "Hoàng Thị Mai", "--email", "quantri@ldld.langson.vn", "--url", "https://cdcs.example.vn"]


def test_the_first_administrator_is_invited_and_administers_the_new_unit(client):
    # when the operator runs the command on a fresh installation
    out = io.StringIO()
    call_command("setup_federation", *ARGS, stdout=out)

    # then the unit and its administrator exist, without a usable password yet
    unit = Unit.objects.get(code="ldld-lang-son")
    user = get_user_model().objects.get(username="quantri.ls")
    assert (unit.name, unit.depth, unit.kind.code) == ("Liên đoàn Lao động tỉnh Lạng Sơn", 1, "provincial_federation")
    assert (user.get_full_name(), user.email, user.profile.unit) == ("Hoàng Thị Mai", "quantri@ldld.langson.vn", unit)
    assert not user.has_usable_password()
    assert roles_held(user) == frozenset({"administrator"})
    assert can_administer_unit(user, unit)
    # the history says the system did it
    records = list(ChangeRecord.objects.order_by("pk").values_list("action", "actor_id", "unit_id", "person_id"))
    assert records == [(ChangeAction.UNIT_CREATED, None, unit.pk, None),
                       (ChangeAction.PERSON_CREATED, None, unit.pk, user.pk),
                       (ChangeAction.ROLE_GRANTED, None, unit.pk, user.pk)]
    # and the invitation went out, its link printed too
    assert [m.to for m in mail.outbox] == [["quantri@ldld.langson.vn"]]
    link = re.search(r"https://cdcs\.example\.vn(/accounts/invitation/\S+/)", mail.outbox[0].body).group(1)
    assert link in out.getvalue()

    # when the administrator sets a password from the link
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"new_password1": "Cong-doan-2026!", "new_password2": "Cong-doan-2026!"})

    # then they can sign in
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Cong-doan-2026!")


@pytest.mark.parametrize(("change", "message"), [
    (["--kind", "planet"], "No unit kind “planet”."),
    (["--parent", "nowhere"], "No unit with the code “nowhere”."),
    (["--email", "not-an-address"], "“not-an-address” không phải là địa chỉ e-mail."),
])
def test_bad_arguments_are_refused_and_nothing_is_written(change, message):
    with pytest.raises(CommandError) as refused:  # the last of a repeated option wins
        call_command("setup_federation", *ARGS, *change, stdout=io.StringIO())
    assert message in str(refused.value)
    assert (Unit.objects.count(), get_user_model().objects.count(), len(mail.outbox)) == (0, 0, 0)


def test_a_taken_code_is_refused_and_nothing_is_written():
    call_command("setup_federation", *ARGS, stdout=io.StringIO())
    args = list(ARGS)
    args[args.index("--administrator") + 1] = "other"
    args[args.index("--email") + 1] = "other@example.vn"
    with pytest.raises(CommandError) as refused:
        call_command("setup_federation", *args, stdout=io.StringIO())
    assert "Đã có đơn vị với mã “ldld-lang-son”." in str(refused.value)
    assert (Unit.objects.count(), get_user_model().objects.count()) == (1, 1)
