"""The progress of the caller's own long jobs (build, export, import, cycle generation)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from common.permissions import READ

from ..api_filters import JobFilter, jobs_in_scope
from ..models import JobProgress
from ..serializers import JobSerializer
from .common import (
    PayoutsViewSet,
    errors,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Your long jobs, newest first"),
        responses={200: JobSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("Progress of one of your jobs"),
        description=_(
            "current of total done; status queued, running, done (result names what was made), "
            "failed (error says why; result.code, and result.problems for a refused file) or "
            "interrupted (the process running it died; its page on the site offers a retry)."
        ),
        responses={200: JobSerializer, **errors.DETAIL},
    ),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {READ: ("disbursement.view_jobprogress",)}
    serializer_class = JobSerializer
    filterset_class = JobFilter
    queryset = JobProgress.objects.none()

    def get_queryset(self):
        return jobs_in_scope(self.request.user).order_by("-id")
