"""The ledger API's entry requests: manual entries and reversals, posted only when a second
person approves them.

Asking goes through the journal's own endpoints (``POST entries/`` asks for a manual entry,
``POST entries/<seq>/reverse/`` for a reversal: both answer 202 with the request); here a
request is read, approved (which posts it), rejected, withdrawn by its maker, and given
documents (``POST requests/<id>/documents/``, multipart), which are downloaded by anyone who may read requests.
"""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from common.api import AUTHENTICATION, Pagination, validated_body, validated_query
from common.permissions import READ, RequiredPermissions
from common.uploads import DOCUMENT_TYPES

from .. import services
from ..models import EntryRequest, EntryRequestAttachment, RequestStatus
from ..serializers.requests import (
    ApproveSerializer,
    AttachUploadSerializer,
    EntryRequestSerializer,
    RejectSerializer,
    RequestQuerySerializer,
)
from .base import READ_ERRORS, errors

SHOW = OpenApiParameter(
    "show",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["waiting", "mine", "pending", "all"],
    description=_(
        "waiting: pending requests made by someone else (for approvers); mine: the caller's "
        "own; pending: every pending one; all (the default)."
    ),
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Entry requests (manual entries and reversals), newest first"),
        parameters=[SHOW],
        responses={200: EntryRequestSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One entry request"),
        responses={200: EntryRequestSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class EntryRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions = {
        READ: ("ledger.view_entryrequest",),
        "approve": ("ledger.view_entryrequest", "ledger.approve_entryrequest"),
        "reject": ("ledger.view_entryrequest", "ledger.approve_entryrequest"),
        "withdraw": ("ledger.view_entryrequest", "ledger.add_entryrequest"),
        "attach": ("ledger.view_entryrequest", "ledger.add_entryrequest"),
        "document": ("ledger.view_entryrequest",),
    }
    parser_classes = [JSONParser]
    pagination_class = Pagination
    serializer_class = EntryRequestSerializer

    def get_queryset(self):
        qs = EntryRequest.objects.select_related(
            "made_by", "decided_by", "entry", "reverses"
        ).prefetch_related("attachments", "reverses__lines")
        if self.action != "list":
            return qs
        show = validated_query(RequestQuerySerializer, self.request)["show"]
        user = self.request.user
        if show == "waiting":
            return qs.filter(status=RequestStatus.PENDING).exclude(made_by=user)
        if show == "mine":
            return qs.filter(made_by=user)
        if show == "pending":
            return qs.filter(status=RequestStatus.PENDING)
        return qs

    def _answer(self, entry_request: EntryRequest) -> Response:
        entry_request = self.get_queryset().get(pk=entry_request.pk)
        return Response(EntryRequestSerializer(entry_request).data)

    @extend_schema(
        summary=_("Approve an entry request: the entry (or reversal) is posted"),
        description=_(
            "By a second person with the right to approve, never the maker (403 not_allowed). "
            "The entry is posted in the same transaction; approving again returns the same "
            "request and posts nothing more."
        ),
        request=ApproveSerializer,
        responses={200: EntryRequestSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        data = validated_body(ApproveSerializer, request)
        done = services.entry_request_approve(
            request=self.get_object(), note=data["note"], actor=request.user
        )
        return self._answer(done)

    @extend_schema(
        summary=_("Reject an entry request, with a reason"),
        request=RejectSerializer,
        responses={200: EntryRequestSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        data = validated_body(RejectSerializer, request)
        done = services.entry_request_reject(
            request=self.get_object(), reason=data["reason"], actor=request.user
        )
        return self._answer(done)

    @extend_schema(
        summary=_("Withdraw one's own pending entry request"),
        request=None,
        responses={200: EntryRequestSerializer, **errors(*READ_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        done = services.entry_request_withdraw(request=self.get_object(), actor=request.user)
        return self._answer(done)

    @extend_schema(
        summary=_("Add documents to one's own pending entry request"),
        request={"multipart/form-data": AttachUploadSerializer},
        responses={200: EntryRequestSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser],
        url_path="documents",
        url_name="attach",
    )
    def attach(self, request, *args, **kwargs):
        entry_request = self.get_object()
        serializer = AttachUploadSerializer(data={"files": request.FILES.getlist("files")})
        serializer.is_valid(raise_exception=True)
        services.entry_request_attach(
            request=entry_request,
            uploads=serializer.validated_data["files"],
            actor=request.user,
        )
        return self._answer(entry_request)

    @extend_schema(
        summary=_("Download one document of an entry request"),
        responses={
            **{
                (200, media): OpenApiResponse(
                    OpenApiTypes.BINARY, description=_("The document as uploaded.")
                )
                for media in DOCUMENT_TYPES
            },
            **errors(*READ_ERRORS, 404, media_type="application/json"),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<attachment_id>[0-9]+)",
        url_name="document",
    )
    def document(self, request, pk=None, attachment_id=None):
        entry_request = self.get_object()
        attachment = get_object_or_404(
            EntryRequestAttachment, pk=attachment_id, request=entry_request
        )
        response = FileResponse(
            attachment.file.open("rb"),
            content_type=attachment.content_type,
            as_attachment=True,
            filename=attachment.name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
