"""What every ledger API module shares: the documented error texts (``errors``), and
``LedgerAPIView``, the base of the plain (non-viewset) views with the API's authentication and
permission class. The money-in API (``ledger.collection.api``) builds on ``LedgerAPIView`` too.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.views import APIView

from common.api import AUTHENTICATION, NOT_AUTHENTICATED_TEXT, ErrorDocs
from common.permissions import RequiredPermissions

ERROR_TEXT = {
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


errors = ErrorDocs(ERROR_TEXT)
READ_ERRORS = ErrorDocs.READ


# No docstring: drf-spectacular would show it as the description of every operation built on it.
class LedgerAPIView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions: dict[str, tuple[str, ...]] = {}
