"""Documents attached to a case (scans of certificates...). Stored under MEDIA_ROOT in a
private folder and never served by a public URL: a login- and region-checked view streams
them. Only PDF, JPEG and PNG are kept, recognised by their first bytes, not by their name."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .cases import Case

ATTACHMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to="private/case-attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=30)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=ATTACHMENT_TYPES), name="attachment_type_allowed"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_size_positive"),
        ]

    def __str__(self) -> str:
        return self.original_name
