"""JSON shape of a long job's progress (``/api/payouts/jobs/``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.serializers import enum
from common.api import TextField

from ..api_filters import JOB_KINDS
from ..models import JobProgress, JobStatus
from .common import username_field


class JobSerializer(serializers.ModelSerializer):
    kind = enum(JOB_KINDS, read_only=True)
    status = enum(JobStatus.choices, read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text=_("0 to 100."))
    params = serializers.JSONField(
        read_only=True, help_text=_("What the job was asked to do (ids and filters).")
    )
    result = serializers.JSONField(
        read_only=True,
        help_text=_(
            "When done: what it made (batch_id, export_id, import_id, counts). When failed by a "
            "rule of the domain: its code, and for a refused bank file every problem line."
        ),
    )
    error = TextField(read_only=True, help_text=_("Why it failed; empty otherwise."))
    created_by = username_field()

    class Meta:
        model = JobProgress
        fields = [
            "id",
            "kind",
            "status",
            "current",
            "total",
            "percent",
            "message",
            "params",
            "result",
            "error",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
