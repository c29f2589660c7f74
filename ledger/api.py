"""The ledger's JSON API (Django REST framework), mounted at ``/api/ledger/``.

Views here only parse, check the role, call one service or selector and render:

* every endpoint names the Django model permissions it needs (``required_permissions``) and
  ``RequiredPermissions`` checks them, so roles follow ``fundapp.roles.ROLE_PERMISSIONS``; the
  services check again (``actor=request.user``);
* posting needs an ``Idempotency-Key`` header. The key is stored under an ``api:`` prefix so an
  API client can never collide with keys the system itself uses (``reverse:12``, imports...).
  The same key with the same content returns the first entry with 200 and
  ``Idempotent-Replayed: true``; with different content the service refuses (409);
* the service's typed ``LedgerError``s become ``{code, message}`` in
  ``common.api.exception_handler``; nothing here turns errors into strings itself.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch
from django.urls import include, path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from common.api import (
    AUTHENTICATION,
    KEY_MAX_LENGTH,
    KEY_REGEX,
    NOT_AUTHENTICATED_TEXT,
    REPLAYED_HEADER,
    Pagination,
    error_responses,
    idempotency_key,
    validated_body,
    validated_query,
)
from common.permissions import READ, RequiredPermissions

from . import selectors, services
from .api_filters import AccountFilter, EntryFilter, FundFilter
from .models import Account, Balance, Fund, JournalEntry, JournalLine
from .serializers import (
    AccountSerializer,
    BalanceQuerySerializer,
    BalanceSerializer,
    EntryCreateSerializer,
    EntryReverseSerializer,
    FundSerializer,
    JournalEntryDetailSerializer,
    JournalEntrySerializer,
    StatementQuerySerializer,
    StatementSerializer,
    TrialBalanceQuerySerializer,
    TrialBalanceSerializer,
)

API_SOURCE = "api"


_ERROR_TEXT = {
    400: _(
        "The request is not valid. Code 'invalid' lists the errors of each field in detail; the "
        "ledger's own refusals have their own code: unbalanced, invalid_amount, invalid_entry, "
        "unknown_account, unknown_fund, currency_not_held, idempotency_key_required, "
        "idempotency_key_invalid."
    ),
    401: NOT_AUTHENTICATED_TEXT,
    403: _("The user's role does not hold the permission this needs (permission_denied)."),
    404: _("No such object, or no such page (not_found)."),
    409: _(
        "Refused because of the state of the books: period_closed, idempotency_conflict (the "
        "key was used for different content), already_reversed, not_reversible."
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(_ERROR_TEXT, *codes)


READ_ERRORS = (401, 403)

IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_REGEX,
    description=format_lazy(
        _(
            "A unique key per new entry (a UUID is a good choice), up to {n} visible ASCII "
            "characters. Sending the same key with the same content again returns the first "
            "entry (200); the same key with different content is refused (409 "
            "idempotency_conflict)."
        ),
        n=KEY_MAX_LENGTH,
    ),
)
IDEMPOTENCY_KEY_OPTIONAL = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_REGEX,
    description=_(
        "Optional. Reversing is idempotent without it (an entry is reversed at most once); with "
        "it, a second reversal under a different key is refused (409 already_reversed)."
    ),
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    enum=["true", "false"],
    description=_("'true' when this was a retry, answered with the entry already posted."),
)


class LedgerAPIView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions: dict[str, tuple[str, ...]] = {}


# --------------------------------------------------------------------------------------------
# accounts and funds
# --------------------------------------------------------------------------------------------
def _balances_by_account(accounts) -> dict[int, list[dict]]:
    """Stored balances of these accounts per fund and currency, on each account's normal side."""
    by_pk = {a.pk: a for a in accounts}
    rows: dict[int, list[dict]] = defaultdict(list)
    for bal in (
        Balance.objects.filter(account_id__in=by_pk)
        .select_related("fund")
        .order_by("fund__code", "currency")
    ):
        account = by_pk[bal.account_id]
        rows[bal.account_id].append(
            {
                "fund": bal.fund.code,
                "currency": bal.currency,
                "balance": account.to_normal(bal.balance),
            }
        )
    return rows


class _ContextFromObjectsMixin:
    """List and detail both hand the serializer figures read once for all shown objects."""

    def figures_for(self, objects) -> dict:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        objects = list(page if page is not None else queryset)
        serializer = self.get_serializer(objects, many=True, context=self.figures_for(objects))
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return Response(self.get_serializer(obj, context=self.figures_for([obj])).data)

    def get_serializer(self, *args, context=None, **kwargs):
        full = self.get_serializer_context()
        full.update(context or {})
        return self.get_serializer_class()(*args, context=full, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary=_("Chart of accounts with balances"),
        responses={200: AccountSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One account with its balances per fund and currency"),
        responses={200: AccountSerializer, **errors(400, *READ_ERRORS, 404)},
    ),
)
class AccountViewSet(_ContextFromObjectsMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions = {READ: ("ledger.view_account", "ledger.view_balance")}
    queryset = Account.objects.select_related("parent").order_by("code")
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z._-]*"

    def figures_for(self, objects) -> dict:
        return {"balances": _balances_by_account(objects)}


@extend_schema_view(
    list=extend_schema(
        summary=_("Funds with their positions"),
        responses={200: FundSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One fund with its position per currency"),
        responses={200: FundSerializer, **errors(400, *READ_ERRORS, 404)},
    ),
)
class FundViewSet(_ContextFromObjectsMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    # The position is money in the books, so reading funds here needs view_balance too (case
    # workers and reviewers hold view_fund alone, for picking a fund, not for seeing its cash).
    required_permissions = {READ: ("ledger.view_fund", "ledger.view_balance")}
    queryset = Fund.objects.order_by("code")
    serializer_class = FundSerializer
    filterset_class = FundFilter
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z._-]*"

    def figures_for(self, objects) -> dict:
        return {"positions": {f.pk: selectors.fund_position(fund=f) for f in objects}}


# --------------------------------------------------------------------------------------------
# journal entries
# --------------------------------------------------------------------------------------------
def _with_lines(queryset):
    return queryset.select_related("reversed_by").prefetch_related(
        Prefetch("lines", queryset=JournalLine.objects.select_related("account", "fund"))
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Posted journal entries, newest first"),
        responses={200: JournalEntrySerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One journal entry with its lines"),
        responses={200: JournalEntryDetailSerializer, **errors(400, *READ_ERRORS, 404)},
    ),
)
class EntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions = {
        READ: ("ledger.view_journalentry", "ledger.view_journalline"),
        "create": ("ledger.add_journalentry",),
        "reverse": ("ledger.reverse_journalentry",),
    }
    # Entries nest a list of lines, which only JSON can carry.
    parser_classes = [JSONParser]
    filterset_class = EntryFilter
    pagination_class = Pagination
    lookup_field = "seq"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return _with_lines(selectors.entries())

    def filter_queryset(self, queryset):
        # EntryFilter hands back the selector's queryset; the prefetches go on again here.
        return _with_lines(super().filter_queryset(queryset))

    def get_serializer_class(self):
        return JournalEntrySerializer if self.action == "list" else JournalEntryDetailSerializer

    def _answer(self, entry: JournalEntry, *, replayed: bool) -> Response:
        # Read back with its lines, so a first answer and a replay render the same way.
        entry = _with_lines(selectors.entries()).get(pk=entry.pk)
        body = JournalEntryDetailSerializer(entry, context=self.get_serializer_context()).data
        location = reverse("ledger-api:entry-detail", kwargs={"seq": entry.seq})
        return Response(
            body,
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
            headers={REPLAYED_HEADER: "true" if replayed else "false", "Location": location},
        )

    @extend_schema(
        summary=_("Post a journal entry"),
        parameters=[IDEMPOTENCY_KEY_REQUIRED, REPLAYED],
        request=EntryCreateSerializer,
        responses={
            201: OpenApiResponse(JournalEntryDetailSerializer, description=_("Posted.")),
            200: OpenApiResponse(
                JournalEntryDetailSerializer,
                description=_("A retry: the entry first posted under this Idempotency-Key."),
            ),
            **errors(400, *READ_ERRORS, 409),
        },
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(EntryCreateSerializer, request)
        # Only tells 200 from 201: the service alone decides retry vs conflict, under its lock.
        replayed = JournalEntry.objects.filter(idempotency_key=key).exists()
        entry = services.journal_post(
            date=data["date"],
            lines=[
                services.LineSpec(
                    account=line["account"],
                    fund=line["fund"],
                    side=line["side"],
                    amount=Money(line["amount"], line["currency"]),
                    memo=line["memo"],
                )
                for line in data["lines"]
            ],
            idempotency_key=key,
            memo=data["memo"],
            source=API_SOURCE,
            actor=request.user,
        )
        return self._answer(entry, replayed=replayed)

    @extend_schema(
        summary=_("Reverse a journal entry"),
        description=_(
            "Posts the mirror image of the entry, pointing to it. An entry is reversed at most "
            "once: asking again returns the same reversal with 200."
        ),
        parameters=[IDEMPOTENCY_KEY_OPTIONAL, REPLAYED],
        request=EntryReverseSerializer,
        responses={
            201: OpenApiResponse(JournalEntryDetailSerializer, description=_("Reversed.")),
            200: OpenApiResponse(
                JournalEntryDetailSerializer,
                description=_("The entry was already reversed: its reversal."),
            ),
            **errors(400, *READ_ERRORS, 404, 409),
        },
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, *args, **kwargs):
        entry = self.get_object()
        data = validated_body(EntryReverseSerializer, request)
        key = idempotency_key(request, required=False)
        replayed = JournalEntry.objects.filter(reverses=entry).exists()
        reversal = services.journal_reverse(
            entry=entry,
            actor=request.user,
            date=data.get("date"),
            memo=data["memo"],
            idempotency_key=key,
        )
        return self._answer(reversal, replayed=replayed)


# --------------------------------------------------------------------------------------------
# reports
# --------------------------------------------------------------------------------------------
class BalanceView(LedgerAPIView):
    required_permissions = {READ: ("ledger.view_account", "ledger.view_balance")}

    @extend_schema(
        summary=_("Balance of one account per currency"),
        parameters=[BalanceQuerySerializer],
        responses={200: BalanceSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request):
        query = validated_query(BalanceQuerySerializer, request)
        account, fund, as_of = query["account"], query.get("fund"), query.get("as_of")
        balances = selectors.account_balance_normal(account=account, fund=fund, as_of=as_of)
        body = {
            "account": account.code,
            "account_name": account.name,
            "normal_side": account.normal_side,
            "fund": fund.code if fund else None,
            "as_of": as_of,
            "balances": [{"currency": c, "amount": m.amount} for c, m in balances.items()],
        }
        return Response(BalanceSerializer(body).data)


class TrialBalanceView(LedgerAPIView):
    required_permissions = {READ: ("ledger.view_account", "ledger.view_balance")}

    @extend_schema(
        summary=_("Trial balance"),
        parameters=[TrialBalanceQuerySerializer],
        responses={200: TrialBalanceSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request):
        query = validated_query(TrialBalanceQuerySerializer, request)
        fund, as_of = query.get("fund"), query.get("as_of")
        report = selectors.trial_balance(fund=fund, as_of=as_of)
        body = {
            "fund": fund.code if fund else None,
            "as_of": as_of,
            "balanced": report.balanced,
            "rows": report.rows,
            "totals": [
                {"currency": c, "debit": d, "credit": cr, "balanced": d == cr}
                for c, (d, cr) in report.totals.items()
            ],
        }
        return Response(TrialBalanceSerializer(body).data)


class StatementView(LedgerAPIView):
    required_permissions = {
        READ: ("ledger.view_account", "ledger.view_journalline", "ledger.view_balance")
    }

    @extend_schema(
        summary=_("Account statement with running balance"),
        description=_("Paged, newest lines first; a page past the last gives the last page."),
        parameters=[StatementQuerySerializer],
        responses={200: StatementSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request):
        query = validated_query(StatementQuerySerializer, request)
        statement = selectors.account_statement(
            account=query["account"],
            currency=query["currency"],
            fund=query.get("fund"),
            page=query["page"],
            page_size=query["page_size"],
        )
        return Response(
            StatementSerializer(statement, context={"page_size": query["page_size"]}).data
        )


# --------------------------------------------------------------------------------------------
# routes (included by fundapp/api_urls.py under /api/ledger/, namespace "ledger-api")
# --------------------------------------------------------------------------------------------
router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("funds", FundViewSet, basename="fund")
router.register("entries", EntryViewSet, basename="entry")

app_name = "ledger-api"
urlpatterns = [
    path("balances/", BalanceView.as_view(), name="balances"),
    path("trial-balance/", TrialBalanceView.as_view(), name="trial-balance"),
    path("statements/", StatementView.as_view(), name="statement"),
    path("", include(router.urls)),
]
