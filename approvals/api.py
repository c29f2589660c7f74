"""The relief-case JSON API (Django REST framework), mounted at ``/api/approvals/``.

Views here only parse, check the role, call one service or selector and render:

* **Role.** Every endpoint names the Django permissions it needs per action
  (``required_permissions``, checked by the ledger API's ``RequiredPermissions``), so roles follow
  ``fundapp.roles.ROLE_PERMISSIONS``; the services check again (``actor=request.user``), together
  with the rules only they know (the tier's role and level, four-eyes).
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
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import include, path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

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

from . import selectors, services
from .api_filters import (
    CaseFilter,
    HouseholdFilter,
    NoticeFilter,
    ObjectionFilter,
    ProgramFilter,
    cases_in_scope,
    households_in_scope,
    notice_items_in_scope,
    notices_in_scope,
    objections_in_scope,
    regions_in_scope,
)
from .models import (
    Case,
    CaseHistory,
    Household,
    Notice,
    Objection,
    Person,
    Program,
)
from .serializers import (
    ApproveManyResultSerializer,
    ApproveManySerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CommentSerializer,
    DismissSerializer,
    HouseholdCreateSerializer,
    HouseholdDetailSerializer,
    HouseholdSerializer,
    NoticeDetailSerializer,
    NoticePublishSerializer,
    NoticeSerializer,
    ObjectionSerializer,
    ProgramSerializer,
    QueueRowSerializer,
    ReasonSerializer,
    RegionSerializer,
    ReturnSerializer,
    RevealedSerializer,
    RevealSerializer,
    UpholdSerializer,
)


# --------------------------------------------------------------------------------------------
# plumbing: permissions, errors, the idempotency header
# --------------------------------------------------------------------------------------------
class HasStaffRegion(permissions.BasePermission):
    """Staff act only within a region: without one there is nothing they may see or do."""

    message = _("You have no region assigned; ask the administrator to set your staff region.")

    def has_permission(self, request, view) -> bool:
        return selectors.staff_region(request.user) is not None


_ERROR_TEXT = {
    400: _(
        "The request is not valid. Code 'invalid' lists the errors of each field in detail "
        "(an id or code outside your region 'does not exist'); the domain's own refusals: "
        "invalid_input, invalid_id_number, not_eligible, program_misconfigured, "
        "idempotency_key_invalid."
    ),
    401: NOT_AUTHENTICATED_TEXT,
    403: _(
        "permission_denied: the role does not hold the permission this needs, or no staff "
        "region is assigned. not_allowed: the rules refuse this user (outside the region, not "
        "the tier's role or level, filed the case, approved it at an earlier tier)."
    ),
    404: _(
        "not_found: no such object in your region (objects outside it are answered the same "
        "way), or no such page."
    ),
    409: _(
        "Refused because of the current state: invalid_transition (not in a state where this "
        "can be done, e.g. a repeated request), duplicate_person and duplicate_beneficiary "
        "(naming the existing household or case), insufficient_funds (giving the amount "
        "available), period_closed, award_in_payment (a final award in a payout batch, sent "
        "to the bank or paid is not cancelled; the message says what to do)."
    ),
}


def errors(*codes: int, media_type: str | None = None) -> dict:
    return error_responses(_ERROR_TEXT, *codes, media_type=media_type)


LIST_ERRORS = errors(400, 401, 403, 404)
DETAIL_ERRORS = errors(401, 403, 404)
CREATE_ERRORS = errors(400, 401, 403, 409)
ACTION_ERRORS = errors(400, 401, 403, 404, 409)


def idempotency_key_param(refusal: str) -> OpenApiParameter:
    return optional_idempotency_key(
        format_lazy(
            _(
                "Optional, up to {n} visible ASCII characters; accepted but not stored. "
                "Sending the same request twice cannot create a second record: {refusal}"
            ),
            n=KEY_MAX_LENGTH,
            refusal=refusal,
        )
    )


class ApprovalsViewSet(viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions, HasStaffRegion]
    pagination_class = Pagination
    parser_classes = [JSONParser]
    required_permissions: dict[str, tuple[str, ...]] = {}
    lookup_value_regex = r"[0-9]+"


# --------------------------------------------------------------------------------------------
# regions and programs
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Your region and every region below it"),
        responses={200: RegionSerializer(many=True), **LIST_ERRORS},
    ),
)
class RegionViewSet(mixins.ListModelMixin, ApprovalsViewSet):
    required_permissions = {READ: ("approvals.view_region",)}
    serializer_class = RegionSerializer

    def get_queryset(self):
        return regions_in_scope(self.request.user).select_related("parent").order_by("code")


@extend_schema_view(
    list=extend_schema(
        summary=_("Relief programs with their review tiers"),
        responses={200: ProgramSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One program with its review tiers"),
        responses={200: ProgramSerializer, **DETAIL_ERRORS},
    ),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApprovalsViewSet):
    # Programs are county-wide configuration, not regional records: every staff user reads them.
    required_permissions = {READ: ("approvals.view_program", "approvals.view_programtier")}
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilter
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z._-]*"
    queryset = (
        Program.objects.select_related("fund")
        .prefetch_related("tiers", "allowed_regions", "excludes")
        .order_by("code")
    )


# --------------------------------------------------------------------------------------------
# households
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Households of your region"),
        responses={200: HouseholdSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One household with its members (ID and bank numbers masked)"),
        responses={200: HouseholdDetailSerializer, **DETAIL_ERRORS},
    ),
)
class HouseholdViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApprovalsViewSet
):
    required_permissions = {
        READ: ("approvals.view_household", "approvals.view_person"),
        "create": ("approvals.add_household", "approvals.add_person"),
        "reveal": ("approvals.view_household", "approvals.reveal_personal_numbers"),
    }
    filterset_class = HouseholdFilter
    queryset = Household.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return (
            households_in_scope(self.request.user)
            .select_related("region", "created_by")
            .prefetch_related("people")
            .order_by("region__code", "id")
        )

    def get_serializer_class(self):
        return HouseholdSerializer if self.action == "list" else HouseholdDetailSerializer

    def _answer(self, household: Household, code=status.HTTP_200_OK, **headers) -> Response:
        household = self.get_queryset().get(pk=household.pk)
        return Response(HouseholdDetailSerializer(household).data, status=code, headers=headers)

    @extend_schema(
        summary=_("Register a household with its members"),
        description=_(
            "ID numbers are validated (check character, birth date) and, like the bank account, "
            "stored only encrypted; the answer shows them masked."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "every person is registered once, so a repeat is refused with 409 "
                    "duplicate_person naming the household already registered."
                )
            )
        ],
        request=HouseholdCreateSerializer,
        responses={201: HouseholdDetailSerializer, **CREATE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(HouseholdCreateSerializer, request)
        household = services.household_register(
            region=data["region"],
            address=data["address"],
            phone=data["phone"],
            bank_name=data["bank_name"],
            bank_account=data["bank_account"],
            people=[
                services.PersonSpec(
                    name=p["name"], id_number=p["id_number"], relation=p["relation"]
                )
                for p in data["people"]
            ],
            actor=request.user,
        )
        location = reverse("approvals-api:household-detail", kwargs={"pk": household.pk})
        return self._answer(household, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary=_("Show one whole ID or bank account number (audited)"),
        description=_(
            "For roles holding approvals.reveal_personal_numbers. Every call writes an audit "
            "event naming who, whose and why (never the number itself)."
        ),
        request=RevealSerializer,
        responses={200: RevealedSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, *args, **kwargs):
        household = self.get_object()
        data = validated_body(RevealSerializer, request)
        person = None
        if data["what"] == "id_number":
            person = Person.objects.filter(household=household, pk=data["person"]).first()
            if person is None:
                raise ValidationError({"person": [_("Not a member of this household.")]})
            value = services.reveal_id_number(
                person=person, actor=request.user, reason=data["reason"]
            )
        else:
            value = services.reveal_bank_account(
                household=household, actor=request.user, reason=data["reason"]
            )
        body = {
            "what": data["what"],
            "household": household.pk,
            "person": person.pk if person else None,
            "value": value,
        }
        return Response(RevealedSerializer(body).data, headers={"Cache-Control": "no-store"})


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
def _case_detail_queryset(queryset):
    return queryset.select_related("filed_by", "award_entry", "cancel_entry").prefetch_related(
        "household__people",
        "memberships__person",
        "reservations",
        "objections",
        "approvals__user",
        Prefetch("history", queryset=CaseHistory.objects.select_related("actor").order_by("id")),
    )


CASE_TRANSITION = {200: CaseDetailSerializer, **ACTION_ERRORS}


@extend_schema_view(
    list=extend_schema(
        summary=_("Cases of your region, newest first"),
        responses={200: CaseSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One case with its members, history and approvals"),
        responses={200: CaseDetailSerializer, **DETAIL_ERRORS},
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
        responses={201: CaseDetailSerializer, **CREATE_ERRORS},
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
        responses={200: QueueRowSerializer(many=True), **LIST_ERRORS},
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


# --------------------------------------------------------------------------------------------
# notices and objections
# --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary=_("Notices of your region, newest first"),
        responses={200: NoticeSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One notice with its lines for cases in your region"),
        responses={200: NoticeDetailSerializer, **DETAIL_ERRORS},
    ),
)
class NoticeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApprovalsViewSet
):
    required_permissions = {
        READ: ("approvals.view_notice", "approvals.view_noticeitem"),
        "create": ("approvals.publish_notice",),
    }
    filterset_class = NoticeFilter
    queryset = Notice.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return self._notices(with_items=self.action != "list")

    def _notices(self, *, with_items: bool):
        user = self.request.user
        queryset = notices_in_scope(user).select_related("program", "region", "published_by")
        if with_items:
            # Only the lines of the caller's region: a notice posted higher up also lists
            # other villages' cases, which this user does not see.
            items = notice_items_in_scope(user).select_related("case").order_by("id")
            queryset = queryset.prefetch_related(
                Prefetch("items", queryset=items, to_attr="shown_items")
            )
        return queryset.order_by("-starts_on", "-id")

    def get_serializer_class(self):
        return NoticeSerializer if self.action == "list" else NoticeDetailSerializer

    @extend_schema(
        summary=_("Publish a notice: put approved cases on it, reserving their amounts"),
        description=_(
            "All or nothing: the cases must be approved, of this program and cycle, and lie in "
            "the region; if the program's fund has less available than they need, nothing is "
            "published (409 insufficient_funds, giving the amount available). Each publication "
            "is the next version for the program, region and cycle."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "the cases are on notice after the first, so a repeat is refused with 409 "
                    "invalid_transition naming the case."
                )
            )
        ],
        request=NoticePublishSerializer,
        responses={201: NoticeDetailSerializer, **CREATE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(NoticePublishSerializer, request)
        optional = {
            key: data[key]
            for key in ("starts_on", "authority", "objection_phone", "objection_address")
            if key in data
        }
        notice = services.notice_publish(
            program=data["program"],
            region=data["region"],
            cycle=data["cycle"],
            cases=data["cases"],
            actor=request.user,
            **optional,
        )
        body = NoticeDetailSerializer(self._notices(with_items=True).get(pk=notice.pk)).data
        location = reverse("approvals-api:notice-detail", kwargs={"pk": notice.pk})
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


@extend_schema_view(
    list=extend_schema(
        summary=_("Objections to cases of your region, newest first"),
        responses={200: ObjectionSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One objection"),
        responses={200: ObjectionSerializer, **DETAIL_ERRORS},
    ),
)
class ObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApprovalsViewSet):
    required_permissions = {
        READ: ("approvals.view_objection",),
        "uphold": ("approvals.handle_objection",),
        "dismiss": ("approvals.handle_objection",),
    }
    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter
    queryset = Objection.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return (
            objections_in_scope(self.request.user)
            .select_related("case", "notice_item", "handled_by")
            .order_by("-created_at", "-id")
        )

    def _answer(self, objection: Objection) -> Response:
        return Response(ObjectionSerializer(self.get_queryset().get(pk=objection.pk)).data)

    @extend_schema(
        summary=_("Uphold: the case leaves the notice and is re-investigated at a tier"),
        description=_(
            "The case goes back to the chosen tier (one of the tiers that apply to its amount); "
            "after re-approval it goes onto a new version of the notice, or it is rejected."
        ),
        request=UpholdSerializer,
        responses={200: ObjectionSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def uphold(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(UpholdSerializer, request)
        services.objection_uphold(
            objection=objection, actor=request.user, tier=data["tier"], comment=data["comment"]
        )
        return self._answer(objection)

    @extend_schema(
        summary=_("Dismiss with a written reply to the objector"),
        request=DismissSerializer,
        responses={200: ObjectionSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(DismissSerializer, request)
        services.objection_dismiss(objection=objection, actor=request.user, reply=data["reply"])
        return self._answer(objection)


# --------------------------------------------------------------------------------------------
# routes (included by fundapp/api_urls.py under /api/approvals/, namespace "approvals-api")
# --------------------------------------------------------------------------------------------
router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("programs", ProgramViewSet, basename="program")
router.register("households", HouseholdViewSet, basename="household")
router.register("cases", CaseViewSet, basename="case")
router.register("queue", QueueViewSet, basename="queue")
router.register("notices", NoticeViewSet, basename="notice")
router.register("objections", ObjectionViewSet, basename="objection")

app_name = "approvals-api"
urlpatterns = [path("", include(router.urls))]
