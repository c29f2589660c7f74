"""The payout JSON API (Django REST framework), mounted at ``/api/payouts/``.

Cycles and enrolments of recurring programs, the annual confirmation of a cycle (prepared,
signed off tier by tier, posted, approved by a second person, which books the entitlements), payout batches and their payments, bank layouts,
bank file exports (with the file's download), bank result imports, and the progress of the long
jobs that build, export and import. Views here only parse, check the role, call one service or
selector and render:

* **Role.** Every endpoint names the Django permissions it needs per action
  (``required_permissions``, checked by ``common.permissions.RequiredPermissions``), so roles
  follow ``fundapp.roles.ROLE_PERMISSIONS`` (``disbursement/roles.py``); the services check
  again (``actor=request.user``) together with the rules only they know (maker-checker).
* **Region.** A caller needs a staff region and reads only through ``api_filters``: a batch,
  payment, export or enrolment outside the caller's region is a 404, exactly like one that
  does not exist, and never appears in a list. Opening and generating a cycle (entitlements in
  every village) is for county staff.
* **Long jobs.** Generating a cycle, building a batch, exporting a bank file and importing the
  bank's results start a job (``disbursement.tasks.job_submit``) and answer 202 with its
  progress and ``Location: /api/payouts/jobs/{id}/``, which the client polls until ``done``
  (the result names what was made) or ``failed`` (the refusal's code and message). Without a
  broker the job runs in-process before the answer, which is then already final. What a job
  would refuse at once is checked first and answered at once, with the service's own error
  (``disbursement.preflight``): an export of a batch not approved, a result file with bad
  lines (every line listed in the error's ``detail.problems``).
* **Errors.** The services' typed errors (``disbursement.exceptions``, subclasses of
  ``FundError``) become ``{code, message, detail?}`` in ``common.api.exception_handler``.
* **Double submission.** The POST endpoints accept an optional ``Idempotency-Key`` header,
  checked but not stored, as in the relief-case API: the domain itself makes a repeat harmless
  or refuses it (a cycle is opened once; generating again creates nothing new; an award is in
  at most one live batch, so a second build finds nothing to pay; the same result file again
  changes nothing; approving twice is a 409).
* **Account numbers** leave masked; the bank file with whole numbers is downloaded only by a
  role that may export it, with ``Cache-Control: no-store``, and each download is audited.

* **Recoveries** (money paid in error claimed back) and a paid batch's **sample check**
  (``recoveries``): proposing a recovery and booking a refund need an ``Idempotency-Key``,
  which is stored (a retry answers the first record with ``Idempotent-Replayed: true``).

One module a resource (``cycles``, ``enrolments``, ``batches`` with payments, ``bankfiles``:
layouts, exports and result imports, ``jobs``), ``common`` for what they share; this package
holds the routes (included by fundapp/api_urls.py under /api/payouts/, namespace
"payouts-api").
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .bankfiles import ExportViewSet, LayoutViewSet, ResultImportViewSet
from .batches import BatchViewSet, PaymentViewSet
from .confirmations import ConfirmationObjectionViewSet, ConfirmationViewSet
from .cycles import CycleViewSet
from .enrolments import EnrolmentViewSet
from .jobs import JobViewSet
from .recoveries import RecoveryViewSet, SampleCheckViewSet

# The order of registration is the order of the paths in the schema.
router = SimpleRouter()
router.register("cycles", CycleViewSet, basename="cycle")
router.register("confirmations", ConfirmationViewSet, basename="confirmation")
router.register(
    "confirmation-objections", ConfirmationObjectionViewSet, basename="confirmation-objection"
)
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("batches", BatchViewSet, basename="batch")
router.register(r"batches/(?P<batch_id>[0-9]+)/payments", PaymentViewSet, basename="payment")
router.register("layouts", LayoutViewSet, basename="layout")
router.register("exports", ExportViewSet, basename="export")
router.register("result-imports", ResultImportViewSet, basename="result-import")
router.register("jobs", JobViewSet, basename="job")
router.register("recoveries", RecoveryViewSet, basename="recovery")
router.register("sample-checks", SampleCheckViewSet, basename="sample-check")

app_name = "payouts-api"
urlpatterns = [path("", include(router.urls))]
