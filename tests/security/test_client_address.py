"""The client's address behind reverse proxies: sign-in limits and the audit
log see the client that the trusted proxies name in X-Forwarded-For, never
the proxy, and never an address the client wrote itself."""
import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.factories import UserFactory
from workflows.audit.client import client_address
from workflows.audit.models import AuditEntry, AuditKind

PASSWORD = "mật-khẩu-thử-nghiệm"
PROXY = "10.0.0.254"


def attempt(client, password, *, forwarded_for=None, remote=PROXY, username="canbo"):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(("proxies", "forwarded_for", "remote", "expected"), [
    # No trusted proxy: the header is ignored, whatever it says.
    (0, "203.0.113.5", "192.0.2.7", "192.0.2.7"),
    (0, None, "192.0.2.7", "192.0.2.7"),
    # One proxy: the entry it appended (the rightmost) is the client.
    (1, "203.0.113.5", PROXY, "203.0.113.5"),
    (1, "6.6.6.6, 203.0.113.5", PROXY, "203.0.113.5"),
    (1, "not-an-address, 203.0.113.5", PROXY, "203.0.113.5"),
    (1, "2001:db8::7", PROXY, "2001:db8::7"),
    # Nothing usable from the proxy: the socket's address.
    (1, None, PROXY, PROXY),
    (1, "not-an-address", PROXY, PROXY),
    # Two proxies (an edge, then the load balancer).
    (2, "6.6.6.6, 203.0.113.5, 198.51.100.1", PROXY, "203.0.113.5"),
    # Fewer entries than proxies: the request did not pass through them all.
    (2, "203.0.113.5", PROXY, PROXY),
])
def test_the_client_address_is_read_through_the_trusted_proxies(settings, proxies, forwarded_for, remote,
                                                                expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)

    assert client_address(request) == expected


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_lockout_is_per_client_not_per_proxy(client, db):
    # given a user whose name one client guesses at, through the load balancer
    user = UserFactory(username="canbo")
    for _ in range(4):
        assert attempt(client, "sai-mật-khẩu", forwarded_for="203.0.113.5").status_code == 200

    # when the fifth failure comes, and then the real user signs in from elsewhere
    locked = attempt(client, "sai-mật-khẩu", forwarded_for="203.0.113.5")
    signed_in = attempt(client, PASSWORD, forwarded_for="198.51.100.7")

    # then only the guessing client is locked out
    assert locked.status_code == 429
    assert signed_in.status_code == 302
    # and the audit log names the clients, not the proxy
    rows = list(AuditEntry.objects.order_by("pk").values_list("kind", "ip_address", "user"))
    failed = (AuditKind.SIGN_IN_FAILED, "203.0.113.5", None)
    assert rows == [failed] * 4 + [(AuditKind.LOCKED_OUT, "203.0.113.5", None), failed,
                                   (AuditKind.SIGN_IN, "198.51.100.7", user.pk)]


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1)
def test_a_client_written_forwarded_for_does_not_escape_the_lockout(client, db):
    # given one trusted proxy, and a client that puts a new address of its
    # own in front of each attempt
    UserFactory(username="canbo")
    for n in range(5):
        attempt(client, "sai-mật-khẩu", forwarded_for=f"6.6.6.{n}, 203.0.113.5")

    # when it tries the right password with yet another invented address
    response = attempt(client, PASSWORD, forwarded_for="6.6.6.99, 203.0.113.5")

    # then it is still locked out, and every row names the address the proxy saw
    assert response.status_code == 429
    assert set(AuditEntry.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_forwarded_for_is_ignored(client, db):
    # given no proxy in front, and a client that sends X-Forwarded-For anyway
    UserFactory(username="canbo")
    for n in range(5):
        attempt(client, "sai-mật-khẩu", forwarded_for=f"6.6.6.{n}", remote="192.0.2.7")

    # when it tries again with another invented address
    response = attempt(client, PASSWORD, forwarded_for="6.6.6.99", remote="192.0.2.7")

    # then the lockout and the log go by the socket's address
    assert response.status_code == 429
    assert set(AuditEntry.objects.values_list("ip_address", flat=True)) == {"192.0.2.7"}
