"""The authenticator app of a test person: set up through the services, and
its codes computed as the phone would."""
from __future__ import annotations

import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from workflows.accounts import services

PASSWORD = "mật-khẩu-thử-nghiệm"  # tests.factories.UserFactory's


def code_of(device, *, steps_ahead: int = 0) -> str:
    """The code ``device``'s app shows now, or ``steps_ahead`` periods of 30
    seconds later (a code is accepted once: the next use within the same
    period takes the next code, which the one-step tolerance accepts)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> services.Enrolled:
    """Set up ``user``'s app as the enrolment page does (the code of the
    current period is spent)."""
    device = services.totp_enrolment_start(user=user)
    return services.totp_enrolment_confirm(user=user, code=code_of(device))


def sign_in(client, username: str, password: str = PASSWORD, address: str = "10.0.0.1", **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra},
                       REMOTE_ADDR=address)


@pytest.fixture
def enrolled_supervisor(world):
    return enrol(world.supervisor)
