"""The ledger's JSON API (Django REST framework), mounted at ``/api/ledger/``.

Views here only parse, check the role, call one service or selector and render:

* every endpoint names the Django model permissions it needs (``required_permissions``) and
  ``RequiredPermissions`` checks them, so roles follow ``fundapp.roles.ROLE_PERMISSIONS``; the
  services check again (``actor=request.user``);
* a manual entry or a reversal is asked for (``POST entries/``, ``POST entries/<seq>/reverse/``:
  202 with the request) and posted only when a second person approves it (``requests/``);
* asking needs an ``Idempotency-Key`` header. The key is stored under an ``api:`` prefix so an
  API client can never collide with keys the system itself uses (``reverse:12``, imports...).
  The same key with the same content returns the first entry with 200 and
  ``Idempotent-Replayed: true``; with different content the service refuses (409);
* the service's typed ``LedgerError``s become ``{code, message}`` in
  ``common.api.exception_handler``; nothing here turns errors into strings itself.

The endpoints live by resource (``accounts`` for accounts and funds, ``entries``, ``reports``
for balances, the trial balance and statements) on the shared ``base``; this module composes
their routes, included by ``fundapp/api_urls.py`` under ``/api/ledger/`` (namespace
``ledger-api``), and keeps ``LedgerAPIView`` importable from ``ledger.api`` for the money-in API.
"""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .accounts import AccountViewSet, FundViewSet
from .base import LedgerAPIView
from .entries import EntryViewSet
from .periods import PeriodViewSet
from .reports import BalanceView, StatementView, TrialBalanceView
from .requests import EntryRequestViewSet

__all__ = ["LedgerAPIView", "app_name", "urlpatterns"]

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("funds", FundViewSet, basename="fund")
router.register("entries", EntryViewSet, basename="entry")
router.register("requests", EntryRequestViewSet, basename="request")
router.register("periods", PeriodViewSet, basename="period")

app_name = "ledger-api"
urlpatterns = [
    path("balances/", BalanceView.as_view(), name="balances"),
    path("trial-balance/", TrialBalanceView.as_view(), name="trial-balance"),
    path("statements/", StatementView.as_view(), name="statement"),
    path("", include(router.urls)),
]
