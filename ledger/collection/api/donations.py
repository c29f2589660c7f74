"""Donations (``/api/collection/donations/``): the list, one donation, recording one with its
receipt."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from common.api import idempotency_key, validated_body
from common.permissions import READ
from common.replay import was_replayed

from .. import services
from ..api_filters import DonationFilter
from ..models import Donation
from ..serializers import DonationSerializer
from ._common import (
    IDEMPOTENCY_KEY,
    READ_ERRORS,
    REPLAYED,
    CollectionViewSet,
    errors,
    recorded,
    recording_responses,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Donations, newest first"),
        responses={200: DonationSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One donation with its receipt and journal entry"),
        responses={200: DonationSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class DonationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CollectionViewSet
):
    required_permissions = {READ: ("ledger.view_donation",), "create": ("ledger.add_donation",)}
    queryset = Donation.objects.select_related(
        "donor", "fund", "receipt__book", "entry", "recorded_by", "settlement_line"
    ).order_by("-received_on", "-id")
    serializer_class = DonationSerializer
    filterset_class = DonationFilter

    @extend_schema(
        summary=_("Record a donation: post it and issue its donation receipt"),
        description=_(
            "One transaction: the receipt with the next number of the donation receipt book, "
            "then the journal entry naming it (bank or cash against donation income, in the "
            "fund; WeChat Pay, Alipay and POS into the channel's clearing account, with the "
            "channel's transaction reference, once per transaction: 409 channel_ref_taken). A pledge it pays must promise a donation: a mandated contribution is paid "
            "by an allocation (400 wrong_receipt_type). An amount above the donation ceiling "
            "is refused (400 amount_too_large)."
        ),
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses=recording_responses(DonationSerializer, _("Recorded; the receipt is issued.")),
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(DonationSerializer, request)
        donation = services.donation_record(
            donor=data["donor"],
            fund=data["fund"],
            amount=Money(data["amount"], data["amount_currency"]),
            method=data["method"],
            channel_ref=data.get("channel_ref", ""),
            received_on=data["received_on"],
            idempotency_key=key,
            actor=request.user,
            project=data["project"],
            pledge=data["pledge"],
        )
        return recorded(
            DonationSerializer,
            self.get_queryset().get(pk=donation.pk),
            replayed=was_replayed(donation),
            location=reverse("collection-api:donation-detail", kwargs={"pk": donation.pk}),
            request=request,
        )
