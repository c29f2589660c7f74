"""The progress of the caller's own long jobs (build, export, import, cycle generation), and the
retry of one whose process died (``interrupted``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action

from common.permissions import READ

from ..api_filters import JobFilter, jobs_in_scope
from ..models import JobProgress
from ..serializers import JobSerializer
from ..tasks import job_retry
from .common import JOB_LOCATION, JOB_STARTED, PayoutsViewSet, errors, started


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
    required_permissions = {
        READ: ("disbursement.view_jobprogress",),
        "retry": ("disbursement.view_jobprogress",),  # and the job kind's own: the service
    }
    serializer_class = JobSerializer
    filterset_class = JobFilter
    queryset = JobProgress.objects.none()

    def get_queryset(self):
        return jobs_in_scope(self.request.user).order_by("-id")

    @extend_schema(
        summary=_("Retry one of your jobs that was interrupted (its process died)"),
        description=_(
            "Runs the job again as you, under the permission that starts its kind: an import "
            "resumes where it stopped, a build or a generation runs whole (the interrupted run "
            "left nothing), an export writes the file again; nothing is booked twice. Only an "
            "interrupted job: any other status is a 409 invalid_state."
        ),
        request=None,
        parameters=[JOB_LOCATION],
        responses={202: JOB_STARTED, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        return started(job_retry(self.get_object(), actor=request.user))
