"""Adding a document to a case: type recognised by its first bytes (PDF, JPEG, PNG only),
size-limited, by a case worker or reviewer whose region covers the case; audited."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from common.permissions import holds_perm
from common.uploads import UploadRefused, check_document
from ledger.audit import AuditAction, audit

from ..exceptions import InvalidInput, NotAllowed
from ..models import PERM_FILE, PERM_REVIEW, Attachment, Case
from ._common import require_region


def attachment_add(*, case: Case, upload: UploadedFile, actor) -> Attachment:
    if not (holds_perm(actor, PERM_FILE) or holds_perm(actor, PERM_REVIEW)):
        raise NotAllowed(_("Only case workers and reviewers may add documents to a case."))
    require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
    try:
        content_type = check_document(upload)  # size and real type: common.uploads
    except UploadRefused as exc:
        raise InvalidInput(str(exc)) from exc
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
