"""Donors (``/api/collection/donors/``): the register, one donor, adding one, correcting one."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from common.api import validated_body
from common.permissions import READ

from .. import services
from ..api_filters import DonorFilter
from ..models import Donor
from ..serializers import DonorSerializer, DonorUpdateSerializer
from ._common import READ_ERRORS, CollectionViewSet, errors


@extend_schema_view(
    list=extend_schema(
        summary=_("Donors, by name; search by name or credit code"),
        responses={200: DonorSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One donor"),
        responses={200: DonorSerializer, **errors(*READ_ERRORS, 404)},
    ),
    create=extend_schema(
        summary=_("Add a donor (a unit with its credit code, or a person)"),
        responses={201: DonorSerializer, **errors(400, *READ_ERRORS)},
    ),
)
class DonorViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CollectionViewSet
):
    required_permissions = {
        READ: ("ledger.view_donor",),
        "create": ("ledger.add_donor",),
        "partial_update": ("ledger.view_donor", "ledger.change_donor"),
    }
    queryset = Donor.objects.order_by("name", "id")
    serializer_class = DonorSerializer
    filterset_class = DonorFilter

    def create(self, request, *args, **kwargs):
        data = validated_body(DonorSerializer, request)
        donor = services.donor_create(**data, actor=request.user)
        location = reverse("collection-api:donor-detail", kwargs={"pk": donor.pk})
        return Response(
            DonorSerializer(donor).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    @extend_schema(
        summary=_("Correct a donor (the kind stays)"),
        description=_(
            "Only the fields sent change. A new name or credit code needs a reason; receipts "
            "already issued keep their payer. Audited before and after."
        ),
        request=DonorUpdateSerializer,
        responses={200: DonorSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    def partial_update(self, request, *args, **kwargs):
        donor = self.get_object()
        data = validated_body(DonorUpdateSerializer, request)
        donor = services.donor_update(
            donor=donor,
            name=data.get("name"),
            credit_code=data.get("credit_code"),
            anonymous=data.get("anonymous"),
            phone=data.get("phone"),
            address=data.get("address"),
            reason=data["reason"],
            seen=data["seen"],
            actor=request.user,
        )
        return Response(DonorSerializer(donor).data)
