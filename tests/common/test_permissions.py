"""One permission check for the services, with one rule for the system actor."""

import pytest
from django.contrib.auth.models import Permission

from approvals.exceptions import NotAllowed as CaseNotAllowed
from common.permissions import require_perm


@pytest.mark.django_db
def test_the_system_actor_passes_a_user_needs_the_permission(django_user_model):
    # given a user without the permission
    user = django_user_model.objects.create_user("nobody", password="x")
    # when the system (actor=None) asks, then it passes
    require_perm(None, "ledger.add_journalentry")
    # when the user asks, then the app's own error names the permission
    with pytest.raises(CaseNotAllowed, match="ledger.add_journalentry"):
        require_perm(user, "ledger.add_journalentry", error=CaseNotAllowed)
    # given the permission, then the user passes
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="ledger", codename="add_journalentry")
    )
    user = django_user_model.objects.get(pk=user.pk)
    require_perm(user, "ledger.add_journalentry", error=CaseNotAllowed)
