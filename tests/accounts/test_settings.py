"""``TWO_FACTOR_REQUIRED_ROLES``: none in the demo and test settings; a
misspelt role stops the deploy check (it would require nothing of anyone)."""
from django.conf import settings
from django.test import override_settings

from workflows.accounts.checks import required_roles_are_known


def test_the_demo_and_test_settings_require_no_second_factor():
    assert settings.TWO_FACTOR_REQUIRED_ROLES == []
    assert settings.PASSWORD_RESET_TIMEOUT == 3 * 24 * 60 * 60


@override_settings(TWO_FACTOR_REQUIRED_ROLES=["supervisor", "admin", "officer"])
def test_an_unknown_role_name_is_an_error():
    [error] = required_roles_are_known(None)

    assert (error.id, error.msg) == ("accounts.E001", "TWO_FACTOR_REQUIRED_ROLES names unknown roles: admin.")


@override_settings(TWO_FACTOR_REQUIRED_ROLES=["administrator", "supervisor", "manager", "officer"])
def test_every_role_name_is_known():
    assert required_roles_are_known(None) == []
