"""Login throttling and lockout (issue 13, finding 6): after LOGIN_FAILURE_LIMIT wrong passwords
for one (user name, address), that pair is locked for the cool-off — the right password too —
on the login page and the admin's login; an administrator unlocks it with a command. The API:
wrong tokens lock the address out, and DRF throttles callers at the configured rates."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.fundapp import ensure_compiled_messages

PASSWORD = "pw-Testing-123"


@pytest.fixture(scope="session", autouse=True)
def compiled_messages(django_db_setup):
    ensure_compiled_messages()


def _post(client, url, username, password, ip="10.0.0.1", language="en"):
    return client.post(
        url,
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("page", ["login", "admin:login"])
def test_the_right_password_after_too_many_wrong_ones_does_not_log_in(client, make_user, page):
    user = make_user("administrator", username="amy", is_staff=True)
    url = reverse(page)
    # given LOGIN_FAILURE_LIMIT wrong passwords for amy from one address
    for _i in range(settings.AXES_FAILURE_LIMIT):
        response = _post(client, url, "amy", "wrong")
        assert not _logged_in(client)
    # when the right password comes from that address
    response = _post(client, url, "amy", PASSWORD)
    # then it does not log in: 429 with a clear message saying how long
    assert response.status_code == 429
    assert not _logged_in(client)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    html = response.content.decode()
    assert "Too many wrong passwords" in html and f"{minutes} minutes" in html
    # a Chinese reader gets the same refusal (the message's translation: TRANSLATIONS.zh.txt)
    assert _post(client, url, "amy", PASSWORD, language="zh-hans").status_code == 429
    # another address, or another user name from this one, is not locked
    other = _post(Client(), url, "amy", PASSWORD, ip="10.0.0.2")
    assert other.status_code == 302
    assert Client().post(url, {"username": user.username, "password": PASSWORD}).status_code == 302


def test_the_lockout_is_per_user_name_and_address(client, make_user):
    make_user("finance_officer", username="bob")
    make_user("finance_officer", username="eve")
    url = reverse("login")
    for _i in range(settings.AXES_FAILURE_LIMIT):
        _post(client, url, "bob", "wrong")
    # eve, from the same address, logs in
    response = _post(client, url, "eve", PASSWORD)
    assert response.status_code == 302 and _logged_in(client)


def test_an_administrator_unlocks_with_a_command(client, make_user):
    make_user("finance_officer", username="bob")
    url = reverse("login")
    for _i in range(settings.AXES_FAILURE_LIMIT):
        _post(client, url, "bob", "wrong")
    assert _post(client, url, "bob", PASSWORD).status_code == 429
    # when the administrator unlocks bob
    call_command("axes_reset_username", "bob")
    # then the right password logs in again
    response = _post(client, url, "bob", PASSWORD)
    assert response.status_code == 302 and _logged_in(client)


def test_fewer_failures_than_the_limit_do_not_lock(client, make_user):
    make_user("finance_officer", username="bob")
    url = reverse("login")
    for _i in range(settings.AXES_FAILURE_LIMIT - 1):
        _post(client, url, "bob", "wrong")
    assert _post(client, url, "bob", PASSWORD).status_code == 302


def test_a_forwarded_for_header_does_not_escape_the_lockout_without_a_proxy(client, make_user):
    # given no trusted proxy (the default), a client writing X-Forwarded-For itself
    make_user("finance_officer", username="bob")
    url = reverse("login")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            url,
            {"username": "bob", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    response = client.post(
        url,
        {"username": "bob", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


# ---- the API ---------------------------------------------------------------------------------
def test_wrong_tokens_lock_the_address_out_even_for_the_right_token(officer, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 5
    token = Token.objects.create(user=officer)
    api = APIClient(REMOTE_ADDR="10.0.0.7")
    url = reverse("ledger-api:account-list")
    assert api.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    for i in range(5):
        response = api.get(url, HTTP_AUTHORIZATION=f"Token {'0' * 39}{i}")
        assert response.status_code == 401
    response = api.get(url, HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Too many wrong tokens" in response.json()["message"]
    # another address is served
    other = APIClient(REMOTE_ADDR="10.0.0.8")
    assert other.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


def test_the_api_throttles_callers_at_the_configured_rates(officer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min"},
    }
    url = reverse("ledger-api:account-list")
    # anonymous callers, per address (every API operation needs a login, so the anonymous
    # rate guards only views open to all: one here)
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Open(APIView):
        permission_classes = [AllowAny]

        def get(self, request):
            return Response({})

    view = Open.as_view()
    factory = RequestFactory()
    codes = [view(factory.get("/", REMOTE_ADDR="10.0.1.1")).status_code for _i in range(3)]
    assert codes == [200, 200, 429]
    assert view(factory.get("/", REMOTE_ADDR="10.0.1.9")).status_code == 200
    # signed-in callers, per user
    token = Token.objects.create(user=officer)
    user = APIClient(REMOTE_ADDR="10.0.1.2")
    codes = [user.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code for _i in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = user.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert throttled.json()["code"] == "throttled" and "Retry-After" in throttled


def test_every_api_operation_documents_429(client, officer):
    client.force_login(officer)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "429" in operation["responses"], (path, method)
