"""The relief-case API's cases: list, read and file them, every step of their review (submit,
resubmit, approve, return, reject, withdraw, cancel), approve many at once, and the reviewer's
queue."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import idempotency_key, validated_body
from common.permissions import READ
from common.publicurl import public_url

from .. import selectors, services
from ..api_filters import CaseFilter, cases_in_scope
from ..models import Case, CaseHistory
from ..serializers.cases import (
    AcknowledgementSerializer,
    ApproveManyResultSerializer,
    ApproveManySerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CommentSerializer,
    QueueRowSerializer,
    ReasonSerializer,
    ReturnSerializer,
)
from .base import (
    ApprovalsViewSet,
    errors,
    idempotency_key_param,
)


def _case_detail_queryset(queryset):
    return queryset.select_related("filed_by", "award_entry", "cancel_entry").prefetch_related(
        "household__people",
        "memberships__person",
        "reservations",
        "objections",
        "approvals__user",
        Prefetch("history", queryset=CaseHistory.objects.select_related("actor").order_by("id")),
    )


CASE_TRANSITION = {200: CaseDetailSerializer, **errors.ACTION}


@extend_schema_view(
    list=extend_schema(
        summary=_("Cases of your region, newest first"),
        responses={200: CaseSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One case with its members, history and approvals"),
        responses={200: CaseDetailSerializer, **errors.DETAIL},
    ),
)
class CaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApprovalsViewSet
):
    required_permissions = {
        READ: ("approvals.view_case", "approvals.view_casehistory"),
        "create": ("approvals.file_case",),
        "submit": ("approvals.file_case",),
        "resubmit": ("approvals.file_case",),
        "withdraw": ("approvals.withdraw_case",),
        "approve": ("approvals.review_case",),
        "approve_many": ("approvals.review_case",),
        "return_": ("approvals.review_case",),
        "reject": ("approvals.review_case",),
        "cancel": ("approvals.cancel_case",),
        "acknowledgement": ("approvals.view_case", "approvals.file_case"),
        "reissue_lookup_code": ("approvals.view_case", "approvals.file_case"),
    }
    filterset_class = CaseFilter
    queryset = Case.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        queryset = cases_in_scope(self.request.user).select_related("filed_by")
        if self.action == "list":
            return queryset.prefetch_related("household__people").order_by("-id")
        return _case_detail_queryset(queryset)

    def get_serializer_class(self):
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def _answer(self, case: Case, code=status.HTTP_200_OK, **headers) -> Response:
        # Read back with everything the detail shows, as a GET of the case would.
        case = _case_detail_queryset(cases_in_scope(self.request.user)).get(pk=case.pk)
        return Response(CaseDetailSerializer(case).data, status=code, headers=headers)

    @extend_schema(
        summary=_("File a case (a draft) for a household"),
        description=_(
            "The amount follows the program's rule (for a requested-amount program, "
            "requested_amount up to the cap). Refused when the household is not eligible or a "
            "beneficiary is already in an open case of this program and cycle, or of a program "
            "excluding it (409 duplicate_beneficiary, naming that case)."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "a person has one open case per program and cycle, so a repeat is refused "
                    "with 409 duplicate_beneficiary naming the case already filed."
                )
            )
        ],
        request=CaseCreateSerializer,
        responses={201: CaseDetailSerializer, **errors.CREATE},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(CaseCreateSerializer, request)
        program = data["program"]
        requested = data.get("requested_amount")
        case = services.case_file(
            program=program,
            household=data["household"],
            cycle=data["cycle"],
            members=data.get("members") or None,
            requested_amount=Money(requested, program.currency) if requested is not None else None,
            comment=data.get("comment", ""),
            actor=request.user,
        )
        location = reverse("approvals-api:case-detail", kwargs={"pk": case.pk})
        return self._answer(case, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary=_("The applicant's acknowledgement: the case number and its look-up code"),
        description=_(
            "For the case worker who files cases in the case's region, to print for the "
            "applicant (the public status page asks for both). A case without a code gets one "
            "(audited)."
        ),
        responses={200: AcknowledgementSerializer, **errors.DETAIL},
    )
    @action(detail=True, methods=["get"])
    def acknowledgement(self, request, *args, **kwargs):
        case = self.get_object()
        code = case.lookup_code or services.case_lookup_code_issue(case=case, actor=request.user)
        status_url = public_url(reverse("public:case-status"), request)
        return Response({"number": case.number, "lookup_code": code, "status_url": status_url})

    @extend_schema(
        summary=_("A new look-up code for the applicant; the old one stops working"),
        description=_(
            "For the case worker who files cases in the case's region, when the applicant lost "
            "the acknowledgement or someone else saw the code. Audited; answers the fresh "
            "acknowledgement to print."
        ),
        request=None,
        responses={200: AcknowledgementSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"], url_path="reissue-lookup-code")
    def reissue_lookup_code(self, request, *args, **kwargs):
        case = self.get_object()
        code = services.case_lookup_code_issue(case=case, actor=request.user, reissue=True)
        status_url = public_url(reverse("public:case-status"), request)
        return Response({"number": case.number, "lookup_code": code, "status_url": status_url})

    @extend_schema(
        summary=_("Submit a draft: it goes to its first review tier"),
        request=CommentSerializer,
        responses=CASE_TRANSITION,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        case = self.get_object()
        data = validated_body(CommentSerializer, request)
        services.case_submit(case=case, actor=request.user, comment=data["comment"])
        return self._answer(case)

    @extend_schema(
        summary=_("Resubmit a returned case: back to the tier that returned it"),
        request=CommentSerializer,
        responses=CASE_TRANSITION,
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, *args, **kwargs):
        case = self.get_object()
        data = validated_body(CommentSerializer, request)
        services.case_resubmit(case=case, actor=request.user, comment=data["comment"])
        return self._answer(case)

    @extend_schema(
        summary=_("Approve at the current tier"),
        description=_(
            "Only a reviewer in the tier's role, at the tier's region level, whose region covers "
            "the case; never the person who filed it or approved it at an earlier tier. After "
            "the last applicable tier the case is 'approved', waiting for a notice."
        ),
        request=CommentSerializer,
        responses=CASE_TRANSITION,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        case = self.get_object()
        data = validated_body(CommentSerializer, request)
        services.case_approve(case=case, actor=request.user, comment=data["comment"])
        return self._answer(case)

    @extend_schema(
        summary=_("Approve many cases, each on its own"),
        description=_(
            "Each case is approved in its own transaction; a refusal does not stop the others. "
            "The answer has one result per id, in the order sent (an id outside your region is "
            "reported like an unknown one)."
        ),
        request=ApproveManySerializer,
        responses={200: ApproveManyResultSerializer, **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], url_path="approve-many", url_name="approve-many")
    def approve_many(self, request, *args, **kwargs):
        data = validated_body(ApproveManySerializer, request)
        ids = data["ids"]
        found = {c.pk: c for c in cases_in_scope(request.user).filter(pk__in=ids)}
        outcome = {
            case.pk: message
            for case, message in services.case_approve_many(
                cases=[found[i] for i in ids if i in found],
                actor=request.user,
                comment=data["comment"],
            )
        }
        states = dict(Case.objects.filter(pk__in=found).values_list("pk", "state"))
        results = []
        for case_id in ids:
            if case_id not in found:
                message = _("No case with this id in your region.")
                results.append(
                    {"id": case_id, "number": None, "ok": False, "state": None, "message": message}
                )
                continue
            message = outcome[case_id]
            results.append(
                {
                    "id": case_id,
                    "number": found[case_id].number,
                    "ok": not message,
                    "state": states.get(case_id),
                    "message": message,
                }
            )
        approved = sum(1 for r in results if r["ok"])
        body = {"approved": approved, "refused": len(results) - approved, "results": results}
        return Response(ApproveManyResultSerializer(body).data)

    @extend_schema(
        summary=_("Return for materials, listing everything missing at once"),
        request=ReturnSerializer,
        responses=CASE_TRANSITION,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, *args, **kwargs):
        case = self.get_object()
        data = validated_body(ReturnSerializer, request)
        services.case_return(
            case=case,
            actor=request.user,
            missing_items=data["missing_items"],
            comment=data["comment"],
        )
        return self._answer(case)

    @extend_schema(
        summary=_("Reject with a written reason (releases any reservation)"),
        request=ReasonSerializer,
        responses=CASE_TRANSITION,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        case = self.get_object()
        data = validated_body(ReasonSerializer, request)
        services.case_reject(case=case, actor=request.user, reason=data["reason"])
        return self._answer(case)

    @extend_schema(
        summary=_("Withdraw before final, with a reason (releases any reservation)"),
        request=ReasonSerializer,
        responses=CASE_TRANSITION,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        case = self.get_object()
        data = validated_body(ReasonSerializer, request)
        services.case_withdraw(case=case, actor=request.user, reason=data["reason"])
        return self._answer(case)

    @extend_schema(
        summary=_("Cancel a final award, with a reason (its ledger entry is reversed)"),
        description=_(
            "Refused with 409 award_in_payment while the award is in a payout batch (discard a "
            "batch awaiting approval first), sent to the bank (wait for the bank's result) or "
            "paid."
        ),
        request=ReasonSerializer,
        responses=CASE_TRANSITION,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        case = self.get_object()
        data = validated_body(ReasonSerializer, request)
        services.case_cancel(case=case, actor=request.user, reason=data["reason"])
        return self._answer(case)


@extend_schema_view(
    list=extend_schema(
        summary=_("Cases waiting at your tier in your region, oldest first"),
        responses={200: QueueRowSerializer(many=True), **errors.LIST},
    ),
)
class QueueViewSet(mixins.ListModelMixin, ApprovalsViewSet):
    required_permissions = {READ: ("approvals.view_case", "approvals.review_case")}
    serializer_class = QueueRowSerializer
    filter_backends: list = []

    def get_queryset(self):
        rows = selectors.reviewer_queue(self.request.user)
        prefetch_related_objects([row.case for row in rows], "household__people", "filed_by")
        return rows
