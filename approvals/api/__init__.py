"""The relief-case JSON API (Django REST framework), mounted at ``/api/approvals/``.

Views here only parse, check the role, call one service or selector and render:

* **Role.** Every endpoint names the Django permissions it needs per action
  (``required_permissions``, checked by ``common.permissions.RequiredPermissions``), so roles
  follow ``fundapp.roles.ROLE_PERMISSIONS``; the services check again (``actor=request.user``),
  together with the rules only they know (the tier's role and level, four-eyes).
* **Region.** A caller needs a staff region (``HasStaffRegion``) and reads only through the
  scoping helpers of ``approvals.api_filters``: an object outside the caller's region is a 404,
  exactly like one that does not exist, and never appears in a list.
* **Errors.** The services' typed errors (``approvals.exceptions``, subclasses of
  ``FundError``) become ``{code, message}`` with their HTTP status in
  ``common.api.exception_handler``; nothing here turns errors into strings itself.
* **Double submission.** The create endpoints (register a household, file a case, publish a
  notice) accept an optional ``Idempotency-Key`` header, but the key is not stored: the domain
  itself refuses a repeat, naming what already exists (a person belongs to one household:
  409 ``duplicate_person``; one open case per person, program and cycle: 409
  ``duplicate_beneficiary`` with the case number; a case already on a notice: 409
  ``invalid_transition``). A retry after a lost answer therefore never creates a second record;
  the client reads the existing one instead.
* **Personal numbers.** ID and bank account numbers leave masked; ``households/{id}/reveal/``
  returns one whole number through ``services.reveal_*`` (audited every time) to roles holding
  ``approvals.reveal_personal_numbers``, with ``Cache-Control: no-store``.

The endpoints live by resource (``programs`` for regions and programs, ``households``,
``cases`` with the reviewer's queue, ``notices``, ``objections``) on the shared ``base``; this
module composes their routes, included by ``fundapp/api_urls.py`` under ``/api/approvals/``
(namespace ``approvals-api``), and keeps ``HasStaffRegion`` importable from ``approvals.api``
for the payouts API.
"""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .bankaccounts import BankAccountChangeViewSet
from .base import HasStaffRegion
from .cases import CaseViewSet, QueueViewSet
from .households import HouseholdViewSet
from .notices import NoticeViewSet
from .objections import ObjectionViewSet
from .programs import ProgramViewSet, RegionViewSet

__all__ = ["HasStaffRegion", "app_name", "urlpatterns"]

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("programs", ProgramViewSet, basename="program")
router.register("households", HouseholdViewSet, basename="household")
router.register("bank-account-changes", BankAccountChangeViewSet, basename="bank-account-change")
router.register("cases", CaseViewSet, basename="case")
router.register("queue", QueueViewSet, basename="queue")
router.register("notices", NoticeViewSet, basename="notice")
router.register("objections", ObjectionViewSet, basename="objection")

app_name = "approvals-api"
urlpatterns = [path("", include(router.urls))]
