"""Issue 13, finding 11: static files for a DEBUG-off server, the security headers, the session
idle timeout, and read-only views that answer POST with 405."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from tests.fundapp.test_settings import ROOT, _production_env, _run

MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The same manifest as production's CompressedManifestStaticFilesStorage, without the
    # compression (which takes minutes over Swagger UI's bundle): what is tested here is that
    # pages find every file they name in the manifest.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def test_make_install_collects_with_the_production_storage():
    # the Makefile's collectstatic runs with STATIC_MANIFEST=1 ...
    dry = subprocess.run(
        ["make", "-n", "collectstatic"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "STATIC_MANIFEST=1" in dry.stdout and "collectstatic" in dry.stdout
    # ... which picks whitenoise's manifest storage even with DEBUG on, as DEBUG off does
    show = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    code = f"import os, django; os.environ['DJANGO_SETTINGS_MODULE']='fundapp.settings'; django.setup(); {show}"
    manifest = "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert _run(["-c", code], DEBUG="1", STATIC_MANIFEST="1").stdout.strip() == manifest
    assert _run(["-c", code], **_production_env()).stdout.strip() == manifest
    plain = _run(["-c", code], DEBUG="1").stdout.strip()
    assert plain == "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.mark.django_db
def test_a_debug_off_server_serves_pages_once_static_files_are_collected(
    settings, tmp_path, client, make_user
):
    # given static files collected with a manifest, and DEBUG off
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = MANIFEST_STORAGES
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.DEBUG = False
    client.force_login(make_user("finance_officer"))
    # when pages are opened, then they answer 200 and name hashed files that were collected
    for url in (reverse("login"), reverse("home"), "/api/docs/"):
        if url == reverse("login"):
            client.logout()
        else:
            client.force_login(make_user("finance_officer"))
        response = client.get(url)
        assert response.status_code == 200, url
        names = re.findall(r'(?:src|href)="/static/([^"?]+)"', response.content.decode())
        assert names, url
        for name in names:
            assert re.search(r"\.[0-9a-f]{12}\.", name), f"{url}: {name} is not hashed"
            assert (Path(tmp_path) / name).exists(), name


def test_session_idle_timeout_comes_from_the_environment():
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='fundapp.settings'; "
        "django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST)"
    )
    assert _run(["-c", code], DEBUG="1", SESSION_IDLE_MINUTES="15").stdout.split() == [
        "900",
        "True",
    ]
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60  # the default


@pytest.mark.django_db
def test_every_request_renews_the_session_and_an_idle_one_ends(client, make_user, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(make_user("finance_officer"))
    key = client.session.session_key
    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() + timezone.timedelta(minutes=1)
    )
    # a request renews it to the whole idle time
    assert client.get(reverse("home")).status_code == 200
    renewed = Session.objects.get(pk=client.session.session_key).expire_date
    assert renewed > timezone.now() + timezone.timedelta(minutes=29)
    # a session idle past its time is gone: the next request is sent to the login page
    Session.objects.all().update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("ledger:journal"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_and_no_store(client, make_user):
    client.force_login(make_user("finance_officer"))
    for url in (reverse("home"), reverse("ledger:journal"), "/api/ledger/accounts/"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp, (url, csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "no-store" in response["Cache-Control"], url
    # the public pages and the login page too (they answer about one family)
    for url in (reverse("login"), "/public/donations/"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"] and "Content-Security-Policy" in response


def test_no_template_has_inline_script_style_or_handlers():
    # every page's script and style comes from a static file (PDF templates are WeasyPrint's)
    offenders = []
    for path in Path(ROOT, "templates").rglob("*.html"):
        if "/pdf/" in path.as_posix():
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style", r"\son[a-z]+=", r"\sstyle="):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []


def _read_only_routes():
    """Every staff and public page whose view never reads a POST (found from its source, so a
    new read-only page is covered without being listed)."""
    import inspect

    from django.urls import URLResolver, get_resolver

    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    routes = []
    for route, pattern in walk(get_resolver()):
        if route.startswith(("admin/", "api/", "i18n/")):
            continue
        if getattr(pattern.callback, "view_class", None):
            continue
        source = inspect.getsource(inspect.unwrap(pattern.callback))
        if any(word in source for word in ("POST", "FILES", "request.method")):
            continue
        routes.append("/" + re.sub(r"<(?:int|str|slug):[a-z_]+>", "1", route))
    return routes


@pytest.mark.django_db
def test_read_only_pages_answer_post_with_405(client, make_user):
    routes = _read_only_routes()
    assert "/ledger/journal/" in routes and "/" in routes and len(routes) > 40
    everyone = make_user(
        "finance_officer", "finance_supervisor", "case_worker", "reviewer", "auditor"
    )
    for signed_in in (False, True):
        if signed_in:
            client.force_login(everyone)
        for url in routes:
            for method in ("post", "put", "delete"):
                response = getattr(client, method)(url)
                assert response.status_code == 405, (signed_in, method, url)
                assert "GET" in response["Allow"]
    # and GET still reaches them (a signed-in reader sees the journal)
    assert client.get("/ledger/journal/").status_code == 200
