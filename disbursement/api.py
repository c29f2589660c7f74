"""The payout JSON API (Django REST framework), mounted at ``/api/payouts/``.

Cycles and enrolments of recurring programs, payout batches and their payments, bank layouts,
bank file exports (with the file's download), bank result imports, and the progress of the long
jobs that build, export and import. Views here only parse, check the role, call one service or
selector and render:

* **Role.** Every endpoint names the Django permissions it needs per action
  (``required_permissions``, checked by the ledger API's ``RequiredPermissions``), so roles follow
  ``fundapp.roles.ROLE_PERMISSIONS`` (``disbursement/roles.py``); the services check again
  (``actor=request.user``) together with the rules only they know (maker-checker).
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
"""

from __future__ import annotations

import base64
import io

from django.db.models import Prefetch
from django.http import FileResponse
from django.urls import include, path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from approvals.api import HasStaffRegion
from common.api import (
    AUTHENTICATION,
    KEY_MAX_LENGTH,
    NOT_AUTHENTICATED_TEXT,
    Pagination,
    error_responses,
    idempotency_key,
    optional_idempotency_key,
    validated_body,
)
from common.permissions import READ, RequiredPermissions

from . import preflight, selectors, services
from .api_filters import (
    BatchFilter,
    CycleFilter,
    EnrolmentFilter,
    ExportFilter,
    JobFilter,
    PaymentFilter,
    ResultImportFilter,
    batches_in_scope,
    cycles_in_scope,
    enrolments_in_scope,
    exports_in_scope,
    jobs_in_scope,
    layouts_in_scope,
    payments_in_scope,
    result_imports_in_scope,
)
from .exceptions import NotAllowed
from .models import (
    BankLayout,
    BankResultImport,
    Cycle,
    Enrolment,
    EnrolmentHistory,
    ExportFormat,
    ExportLog,
    JobProgress,
    Payment,
    PayoutBatch,
)
from .serializers import (
    BankLayoutSerializer,
    BatchBuildSerializer,
    BatchDetailSerializer,
    BatchSerializer,
    CycleOpenSerializer,
    CycleSerializer,
    DiscardSerializer,
    EnrolmentChangeSerializer,
    EnrolmentCreateSerializer,
    EnrolmentDetailSerializer,
    EnrolmentSerializer,
    ExportCreateSerializer,
    ExportLogSerializer,
    JobSerializer,
    PaymentSerializer,
    ResultImportCreateSerializer,
    ResultImportSerializer,
)
from .tasks import job_submit

# --------------------------------------------------------------------------------------------
# plumbing: documented errors, the idempotency header, job answers
# --------------------------------------------------------------------------------------------
_ERROR_TEXT = {
    400: _(
        "The request is not valid. Code 'invalid' lists the errors of each field in detail "
        "(an id or code outside your region 'does not exist'); the domain's own refusals: "
        "invalid_input, layout_misconfigured, amount_mismatch, idempotency_key_invalid, and "
        "bank_file_rejected, whose detail.problems lists every bad line of the file (line, "
        "code, reference, message): nothing of the file is booked."
    ),
    401: NOT_AUTHENTICATED_TEXT,
    403: _(
        "permission_denied: the role does not hold the permission this needs, or no staff "
        "region is assigned. not_allowed: the rules refuse this user (approving a batch they "
        "built, a cycle opened below the county, a region outside their own)."
    ),
    404: _(
        "not_found: no such object in your region (objects outside it are answered the same "
        "way), no such page, or (download) a file that is not kept."
    ),
    409: _(
        "Refused because of the current state: invalid_state (e.g. exporting a batch not "
        "approved, approving twice, discarding an approved batch), nothing_to_pay, "
        "insufficient_funds (giving the money available), period_closed."
    ),
}


def errors(*codes: int, media_type: str | None = None) -> dict:
    return error_responses(_ERROR_TEXT, *codes, media_type=media_type)


LIST_ERRORS = errors(400, 401, 403, 404)
DETAIL_ERRORS = errors(401, 403, 404)
CREATE_ERRORS = errors(400, 401, 403, 409)
ACTION_ERRORS = errors(400, 401, 403, 404, 409)


def idempotency_key_param(repeat: str) -> OpenApiParameter:
    return optional_idempotency_key(
        format_lazy(
            _(
                "Optional, up to {n} visible ASCII characters; accepted but not stored. "
                "Sending the same request twice is harmless: {repeat}"
            ),
            n=KEY_MAX_LENGTH,
            repeat=repeat,
        )
    )


JOB_STARTED = OpenApiResponse(
    JobSerializer,
    description=_(
        "The job was started: poll the Location (/api/payouts/jobs/{id}/) until its status is "
        "done or failed. Without a broker it has already run and the answer is final."
    ),
)


JOB_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[202],
    description=_("Where to poll the job's progress: /api/payouts/jobs/{id}/."),
)


def _started(job: JobProgress) -> Response:
    job = JobProgress.objects.select_related("created_by").get(pk=job.pk)  # eager: already run
    location = reverse("payouts-api:job-detail", kwargs={"pk": job.pk})
    return Response(
        JobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
    )


def _require_county(user) -> None:
    if not selectors.covers_whole_county(user):
        raise NotAllowed(
            _gettext(
                "Cycles are opened and generated for the whole county (entitlements in every "
                "village): only staff working at the county do it."
            )
        )


class PayoutsViewSet(viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions, HasStaffRegion]
    pagination_class = Pagination
    parser_classes = [JSONParser]
    required_permissions: dict[str, tuple[str, ...]] = {}
    lookup_value_regex = r"[0-9]+"


# --------------------------------------------------------------------------------------------
# cycles
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Cycles of recurring programs, with their entitlements so far"),
        responses={200: CycleSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One cycle"), responses={200: CycleSerializer, **DETAIL_ERRORS}
    ),
)
class CycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_cycle", "disbursement.view_entitlement"),
        "create": ("disbursement.generate_cycle",),
        "generate": ("disbursement.generate_cycle",),
    }
    serializer_class = CycleSerializer
    filterset_class = CycleFilter
    queryset = Cycle.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return cycles_in_scope(self.request.user)

    def _answer(self, cycle: Cycle, code=status.HTTP_200_OK, **headers) -> Response:
        return Response(
            CycleSerializer(self.get_queryset().get(pk=cycle.pk)).data, status=code, headers=headers
        )

    @extend_schema(
        summary=_("Open a cycle of a recurring program (county staff)"),
        description=_(
            "Opening a cycle that is already open returns it (200). Only recurring programs "
            "(annual reward, special assistance) with a fixed amount have cycles."
        ),
        parameters=[
            idempotency_key_param(_("a cycle is opened once; the repeat returns it (200)."))
        ],
        request=CycleOpenSerializer,
        responses={
            201: OpenApiResponse(CycleSerializer, description=_("Opened.")),
            200: OpenApiResponse(CycleSerializer, description=_("It was already open.")),
            **CREATE_ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        _require_county(request.user)
        data = validated_body(CycleOpenSerializer, request)
        existed = Cycle.objects.filter(program=data["program"], code=data["code"].strip()).exists()
        cycle = services.cycle_open(program=data["program"], code=data["code"], actor=request.user)
        location = reverse("payouts-api:cycle-detail", kwargs={"pk": cycle.pk})
        return self._answer(
            cycle, status.HTTP_200_OK if existed else status.HTTP_201_CREATED, Location=location
        )

    @extend_schema(
        summary=_("Generate the cycle's entitlements (a job)"),
        description=_(
            "One entitlement per active enrolment at the program's amount, booked to awards "
            "payable. Running it again creates nothing new. The job fails with "
            "insufficient_funds, booking nothing, when the fund's available money does not "
            "cover them."
        ),
        parameters=[
            idempotency_key_param(_("generating again creates nothing new.")),
            JOB_LOCATION,
        ],
        request=None,
        responses={202: JOB_STARTED, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        cycle = self.get_object()
        _require_county(request.user)
        return _started(job_submit("generate_cycle", actor=request.user, cycle_id=cycle.pk))


# --------------------------------------------------------------------------------------------
# enrolments
# --------------------------------------------------------------------------------------------
ENROLMENT_CHANGED = {200: EnrolmentDetailSerializer, **ACTION_ERRORS}


@extend_schema_view(
    list=extend_schema(
        summary=_("Beneficiaries enrolled in recurring programs, in your region"),
        responses={200: EnrolmentSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One enrolment with its history"),
        responses={200: EnrolmentDetailSerializer, **DETAIL_ERRORS},
    ),
)
class EnrolmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PayoutsViewSet
):
    required_permissions = {
        READ: ("disbursement.view_enrolment", "disbursement.view_enrolmenthistory"),
        "create": ("disbursement.manage_enrolment",),
        "suspend": ("disbursement.manage_enrolment",),
        "exit": ("disbursement.manage_enrolment",),
        "reinstate": ("disbursement.manage_enrolment",),
    }
    filterset_class = EnrolmentFilter
    queryset = Enrolment.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        queryset = enrolments_in_scope(self.request.user).order_by("program__code", "id")
        if self.action != "list":
            history = EnrolmentHistory.objects.select_related("actor").order_by("id")
            queryset = queryset.prefetch_related(Prefetch("history", queryset=history))
        return queryset

    def get_serializer_class(self):
        return EnrolmentSerializer if self.action == "list" else EnrolmentDetailSerializer

    def _answer(self, enrolment: Enrolment, code=status.HTTP_200_OK, **headers) -> Response:
        enrolment = self.get_queryset().get(pk=enrolment.pk)
        return Response(EnrolmentDetailSerializer(enrolment).data, status=code, headers=headers)

    @extend_schema(
        summary=_("Enrol a beneficiary in a recurring program"),
        description=_(
            "Paid to the beneficiary's household. A person is enrolled once per program "
            "(400 invalid_input naming the program)."
        ),
        parameters=[idempotency_key_param(_("a person is enrolled once; the repeat is refused."))],
        request=EnrolmentCreateSerializer,
        responses={201: EnrolmentDetailSerializer, **CREATE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(EnrolmentCreateSerializer, request)
        enrolment = services.enrolment_create(
            program=data["program"],
            person=data["person"],
            enrolled_on=data.get("enrolled_on"),
            actor=request.user,
        )
        location = reverse("payouts-api:enrolment-detail", kwargs={"pk": enrolment.pk})
        return self._answer(enrolment, status.HTTP_201_CREATED, Location=location)

    def _change(self, request, service) -> Response:
        enrolment = self.get_object()
        data = validated_body(EnrolmentChangeSerializer, request)
        service(enrolment=enrolment, reason=data["reason"], on=data.get("on"), actor=request.user)
        return self._answer(enrolment)

    @extend_schema(
        summary=_("Suspend: no new entitlements and unpaid ones wait, until reinstated"),
        request=EnrolmentChangeSerializer,
        responses=ENROLMENT_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, *args, **kwargs):
        return self._change(request, services.enrolment_suspend)

    @extend_schema(
        summary=_("Exit for good (death, moved away, found ineligible)"),
        description=_("Entitlements generated before stay owed and are paid."),
        request=EnrolmentChangeSerializer,
        responses=ENROLMENT_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def exit(self, request, *args, **kwargs):
        return self._change(request, services.enrolment_exit)

    @extend_schema(
        summary=_("Lift a suspension (an exit is final)"),
        request=EnrolmentChangeSerializer,
        responses=ENROLMENT_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request, *args, **kwargs):
        return self._change(request, services.enrolment_reinstate)


# --------------------------------------------------------------------------------------------
# batches and payments
# --------------------------------------------------------------------------------------------
BATCH_CHANGED = {200: BatchDetailSerializer, **ACTION_ERRORS}


@extend_schema_view(
    list=extend_schema(
        summary=_("Payout batches of your region, newest first"),
        responses={200: BatchSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One batch with what was left out, its reconciliation and timeliness"),
        responses={200: BatchDetailSerializer, **DETAIL_ERRORS},
    ),
)
class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_payoutbatch", "disbursement.view_payment"),
        "create": ("disbursement.build_payoutbatch",),
        "approve": ("disbursement.approve_payoutbatch",),
        "discard": ("disbursement.build_payoutbatch",),
    }
    filterset_class = BatchFilter
    queryset = PayoutBatch.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return batches_in_scope(self.request.user).order_by("-id")

    def get_serializer_class(self):
        return BatchSerializer if self.action == "list" else BatchDetailSerializer

    def _answer(self, batch: PayoutBatch) -> Response:
        return Response(BatchDetailSerializer(self.get_queryset().get(pk=batch.pk)).data)

    @extend_schema(
        summary=_("Build a batch of final awards and entitlements still owed (a job)"),
        description=_(
            "Every final award and entitlement of the program not yet paid or in a batch, "
            "filtered by cycle, region (default: yours) and the day the award became final. "
            "Households without a bank account, suspended beneficiaries and failed payments to "
            "an unchanged account are left out and listed. The job fails with nothing_to_pay "
            "or insufficient_funds (the fund's cash at bank, less approved batches not yet "
            "paid, does not cover it); when done its result names the batch (batch_id)."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "an award is in at most one live batch, so a repeated build finds nothing "
                    "to pay (the job fails with nothing_to_pay); list the batches to find the "
                    "first one."
                )
            ),
            JOB_LOCATION,
        ],
        request=BatchBuildSerializer,
        responses={202: JOB_STARTED, **CREATE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(BatchBuildSerializer, request)
        filters = {"retry_unchanged": data["retry_unchanged"]}
        if data["cycle"]:
            filters["cycle"] = data["cycle"]
        if data.get("region") is not None:
            filters["region_id"] = data["region"].pk
        for name in ("final_from", "final_to"):
            if data.get(name) is not None:
                filters[name] = data[name].isoformat()  # the job's arguments travel as JSON
        job = job_submit(
            "build_batch", actor=request.user, program_id=data["program"].pk, **filters
        )
        return _started(job)

    @extend_schema(
        summary=_("Approve a batch (a finance supervisor who did not build it)"),
        description=_(
            "From now on nothing is added or removed; the fund's cash at bank is checked again "
            "(409 insufficient_funds). Approving a batch you built is refused (403 "
            "not_allowed), approving twice is a 409 invalid_state."
        ),
        request=None,
        responses=BATCH_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        batch = self.get_object()
        services.batch_approve(batch=batch, actor=request.user)
        return self._answer(batch)

    @extend_schema(
        summary=_("Discard a batch awaiting approval, with a reason"),
        description=_("Its awards are owed again and go into a later batch."),
        request=DiscardSerializer,
        responses=BATCH_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, *args, **kwargs):
        batch = self.get_object()
        data = validated_body(DiscardSerializer, request)
        services.batch_discard(batch=batch, reason=data["reason"], actor=request.user)
        return self._answer(batch)


BATCH_ID = OpenApiParameter(
    "batch_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Id of the batch.")
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Payments of one batch (account numbers masked)"),
        parameters=[BATCH_ID],
        responses={200: PaymentSerializer(many=True), **LIST_ERRORS},
    ),
)
class PaymentViewSet(mixins.ListModelMixin, PayoutsViewSet):
    required_permissions = {READ: ("disbursement.view_payoutbatch", "disbursement.view_payment")}
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    queryset = Payment.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        batch = batches_in_scope(self.request.user).filter(pk=self.kwargs["batch_id"]).first()
        if batch is None:
            raise NotFound()
        return payments_in_scope(self.request.user, batch)


# --------------------------------------------------------------------------------------------
# bank layouts, exports, result imports
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Bank layouts: each agent bank's file columns and status values"),
        responses={200: BankLayoutSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One bank layout"), responses={200: BankLayoutSerializer, **DETAIL_ERRORS}
    ),
)
class LayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {READ: ("disbursement.view_banklayout",)}
    serializer_class = BankLayoutSerializer
    queryset = BankLayout.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return layouts_in_scope(self.request.user).order_by("name")


class BankFileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the bank file's own type; the file itself is a FileResponse."""

    media_type = "application/octet-stream"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVFileRenderer(BankFileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXFileRenderer(BankFileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


FILE_TYPES = {
    ExportFormat.CSV: CSVFileRenderer.media_type,
    ExportFormat.XLSX: XLSXFileRenderer.media_type,
}
FILE_OK = OpenApiResponse(
    OpenApiTypes.BINARY, description=_("The bank payment file, with whole account numbers.")
)


@extend_schema_view(
    list=extend_schema(
        summary=_("The export log: every bank payment file written, newest first"),
        responses={200: ExportLogSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One export"), responses={200: ExportLogSerializer, **DETAIL_ERRORS}
    ),
)
class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_exportlog",),
        "create": ("disbursement.export_payoutbatch",),
        "download": ("disbursement.view_exportlog", "disbursement.export_payoutbatch"),
    }
    serializer_class = ExportLogSerializer
    filterset_class = ExportFilter
    queryset = ExportLog.objects.none()

    def get_queryset(self):
        return exports_in_scope(self.request.user).order_by("-id")

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors of the download are JSON like everywhere else, whatever the client accepts.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary=_("Export an approved batch as the bank's payment file (a job)"),
        description=_(
            "Writes the file in the bank's layout (CSV or Excel), logs it (who, when, sha256) "
            "and marks the batch's payments sent. A batch not approved is refused at once (409 "
            "invalid_state). Exporting again (a lost file) is allowed until the bank's results "
            "are imported. When done, the job's result names the export (export_id): download "
            "the file from /api/payouts/exports/{id}/download/."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "a repeat writes the same payments again and is logged again; the bank "
                    "pays each reference once."
                )
            ),
            JOB_LOCATION,
        ],
        request=ExportCreateSerializer,
        responses={202: JOB_STARTED, **CREATE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(ExportCreateSerializer, request)
        preflight.check_export(batch=data["batch"], layout=data["layout"])
        job = job_submit(
            "export_batch",
            actor=request.user,
            batch_id=data["batch"].pk,
            layout_id=data["layout"].pk,
            fmt=data["format"],
        )
        return _started(job)

    @extend_schema(
        summary=_("Download the bank payment file of an export"),
        description=_(
            "For roles that may export (the file holds whole account numbers). Every download "
            "is written to the audit log. Files are kept for exports made through a job; "
            "otherwise 404: export the batch again. A stored file that no longer matches the "
            "sha256 logged when it was written is not sent (409 export_file_altered)."
        ),
        responses={
            (200, CSVFileRenderer.media_type): FILE_OK,
            (200, XLSXFileRenderer.media_type): FILE_OK,
            **errors(401, 403, 404, 409, media_type="application/json"),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, CSVFileRenderer, XLSXFileRenderer],
    )
    def download(self, request, *args, **kwargs):
        log = self.get_object()
        content = services.export_file(log=log, actor=request.user)
        response = FileResponse(
            io.BytesIO(content),
            as_attachment=True,
            filename=log.filename,
            content_type=FILE_TYPES.get(log.format, BankFileRenderer.media_type),
        )
        response["Cache-Control"] = "no-store"
        return response


@extend_schema_view(
    list=extend_schema(
        summary=_("Bank result files imported, newest first"),
        responses={200: ResultImportSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One result import"), responses={200: ResultImportSerializer, **DETAIL_ERRORS}
    ),
)
class ResultImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PayoutsViewSet
):
    required_permissions = {
        READ: ("disbursement.view_bankresultimport",),
        "create": ("disbursement.import_bankresults",),
    }
    serializer_class = ResultImportSerializer
    filterset_class = ResultImportFilter
    parser_classes = [MultiPartParser]
    queryset = BankResultImport.objects.none()

    def get_queryset(self):
        return result_imports_in_scope(self.request.user).order_by("-id")

    @extend_schema(
        summary=_("Upload the bank's result file for an exported batch (a job)"),
        description=_(
            "Every line is checked first: a wrong or missing column, an unknown reference, an "
            "amount other than the payment's, a duplicate line, a status the layout does not "
            "define... If any line is bad the whole file is refused at once (400 "
            "bank_file_rejected, detail.problems lists every bad line) and nothing is booked. "
            "A good file is booked by a job: paid payments against the bank, failed ones stay "
            "owed for a reissue; when done its result names the import (import_id)."
        ),
        parameters=[idempotency_key_param(_("the same file again changes nothing.")), JOB_LOCATION],
        request={"multipart/form-data": ResultImportCreateSerializer},
        responses={
            202: JOB_STARTED,
            201: OpenApiResponse(
                ResultImportSerializer,
                description=_("Booked at once (the batch's state changed while it was checked)."),
            ),
            **CREATE_ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(ResultImportCreateSerializer, request)
        batch, layout, upload = data["batch"], data["layout"], data["file"]
        content, filename = upload.read(), upload.name
        problems = preflight.result_file_problems(
            batch=batch, layout=layout, content=content, filename=filename
        )
        if problems:
            # The service itself refuses the file (and records the refusal): BankFileRejected
            # with every bad line, mapped to 400 with detail.problems.
            imported = services.results_import(
                batch=batch, layout=layout, content=content, filename=filename, actor=request.user
            )
            body = ResultImportSerializer(self.get_queryset().get(pk=imported.pk)).data
            return Response(body, status=status.HTTP_201_CREATED)
        job = job_submit(
            "import_results",
            actor=request.user,
            batch_id=batch.pk,
            layout_id=layout.pk,
            content_b64=base64.b64encode(content).decode("ascii"),
            filename=filename,
        )
        return _started(job)


# --------------------------------------------------------------------------------------------
# jobs
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Your long jobs, newest first"),
        responses={200: JobSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("Progress of one of your jobs"),
        description=_(
            "current of total done; status queued, running, done (result names what was made) "
            "or failed (error says why; result.code, and result.problems for a refused file)."
        ),
        responses={200: JobSerializer, **DETAIL_ERRORS},
    ),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {READ: ("disbursement.view_jobprogress",)}
    serializer_class = JobSerializer
    filterset_class = JobFilter
    queryset = JobProgress.objects.none()

    def get_queryset(self):
        return jobs_in_scope(self.request.user).order_by("-id")


# --------------------------------------------------------------------------------------------
# routes (included by fundapp/api_urls.py under /api/payouts/, namespace "payouts-api")
# --------------------------------------------------------------------------------------------
router = SimpleRouter()
router.register("cycles", CycleViewSet, basename="cycle")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("batches", BatchViewSet, basename="batch")
router.register(r"batches/(?P<batch_id>[0-9]+)/payments", PaymentViewSet, basename="payment")
router.register("layouts", LayoutViewSet, basename="layout")
router.register("exports", ExportViewSet, basename="export")
router.register("result-imports", ResultImportViewSet, basename="result-import")
router.register("jobs", JobViewSet, basename="job")

app_name = "payouts-api"
urlpatterns = [path("", include(router.urls))]
