"""Fields every payout serializer shares: who did it (a username), a program by its code, the
length of a written reason."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.models import Program

REASON_MAX = 2000


def username_field():
    """The user who did something, by username (read only; null when nobody)."""
    return serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)


def program_field(**kwargs):
    """A program named by its code."""
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.all(), help_text=_("Program code."), **kwargs
    )
