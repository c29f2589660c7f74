"""Bank files: the agent banks' layouts, the export log with the export of an approved batch (a
job) and the file's download, and the bank's result files with their upload (checked at once,
booked by a job)."""

from __future__ import annotations

import base64
import io

from django.http import FileResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from common.api import idempotency_key, validated_body
from common.permissions import READ

from .. import preflight, services
from ..api_filters import (
    ExportFilter,
    ResultImportFilter,
    exports_in_scope,
    layouts_in_scope,
    result_imports_in_scope,
)
from ..models import BankLayout, BankResultImport, ExportFormat, ExportLog
from ..serializers import (
    BankLayoutSerializer,
    ExportCreateSerializer,
    ExportLogSerializer,
    ResultImportCreateSerializer,
    ResultImportSerializer,
)
from ..tasks import job_submit
from .common import (
    JOB_LOCATION,
    JOB_STARTED,
    PayoutsViewSet,
    errors,
    idempotency_key_param,
    started,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Bank layouts: each agent bank's file columns and status values"),
        responses={200: BankLayoutSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One bank layout"), responses={200: BankLayoutSerializer, **errors.DETAIL}
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
        responses={200: ExportLogSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One export"), responses={200: ExportLogSerializer, **errors.DETAIL}
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
        responses={202: JOB_STARTED, **errors.CREATE},
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
        return started(job)

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
        responses={200: ResultImportSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One result import"), responses={200: ResultImportSerializer, **errors.DETAIL}
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
        description=format_lazy(
            "{} {}",
            _(
                "Every line is checked first: a wrong or missing column, an unknown reference, an "
                "amount other than the payment's, a duplicate line, a status the layout does not "
                "define... If any line is bad the whole file is refused at once (400 "
                "bank_file_rejected, detail.problems lists every bad line) and nothing is booked. "
                "A good file is booked by a job: paid payments against the bank, failed ones stay "
                "owed for a reissue; when done its result names the import (import_id)."
            ),
            _(
                "A batch's files are applied one at a time and a payment is settled by one file "
                "only: a file imported while another of the batch is being applied waits for it "
                "and is then checked against what it recorded (a contradiction is refused with "
                "bank_file_rejected, problem code conflict), or is refused with 409 "
                "import_unfinished where the database cannot wait (SQLite). The same file sent "
                "twice at the same moment gives both jobs the one import, once it is done."
            ),
        ),
        parameters=[idempotency_key_param(_("the same file again changes nothing.")), JOB_LOCATION],
        request={"multipart/form-data": ResultImportCreateSerializer},
        responses={
            202: JOB_STARTED,
            201: OpenApiResponse(
                ResultImportSerializer,
                description=_("Booked at once (the batch's state changed while it was checked)."),
            ),
            **errors.CREATE,
        },
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(ResultImportCreateSerializer, request)
        batch, layout, upload = data["batch"], data["layout"], data["file"]
        value_date = data.get("value_date")
        content, filename = upload.read(), upload.name
        problems = preflight.result_file_problems(
            batch=batch, layout=layout, content=content, filename=filename, value_date=value_date
        )
        if problems:
            # The service itself refuses the file (and records the refusal): BankFileRejected
            # with every bad line, mapped to 400 with detail.problems.
            imported = services.results_import(
                batch=batch,
                layout=layout,
                content=content,
                filename=filename,
                value_date=value_date,
                actor=request.user,
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
            value_date=value_date.isoformat() if value_date else None,
        )
        return started(job)
