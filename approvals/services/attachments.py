"""Adding a document to a case: type recognised by its first bytes (PDF, JPEG, PNG only),
size-limited, by a case worker or reviewer whose region covers the case; audited."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from common.permissions import holds_perm
from common.uploads import sniff_content_type
from ledger.audit import AuditAction, audit

from ..exceptions import InvalidInput, NotAllowed
from ..models import PERM_FILE, PERM_REVIEW, Attachment, Case
from ._common import require_region

MAX_ATTACHMENT_BYTES = getattr(settings, "APPROVALS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)


def attachment_add(*, case: Case, upload: UploadedFile, actor) -> Attachment:
    if not (holds_perm(actor, PERM_FILE) or holds_perm(actor, PERM_REVIEW)):
        raise NotAllowed(_("Only case workers and reviewers may add documents to a case."))
    require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
    if not upload.size:
        raise InvalidInput(_("The file is empty."))
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {
                "size": round(upload.size / 1048576, 1),
                "limit": MAX_ATTACHMENT_BYTES // 1048576,
            }
        )
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise InvalidInput(
            _("%(name)s is not a PDF, JPEG or PNG file (checked by its content, not its name).")
            % {"name": upload.name}
        )
    with transaction.atomic():
        attachment = Attachment(
            case=case,
            original_name=(upload.name or "")[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name or "document", upload, save=False)
        attachment.save()
        audit(
            actor=actor,
            action=AuditAction.CASE_ATTACHMENT_ADD,
            obj=case,
            attachment=attachment.pk,
            content_type=content_type,
            size=upload.size,
        )
    return attachment
