"""One administrator cannot become everyone (issue 13, finding 3): the escalation path through
the admin's screens (real POSTs), the grant services, the database and the operator's command.

Given two administrators (neither a superuser) and an officer, these check that an
administrator cannot change their own roles or flags, cannot add a role to anyone without a
second administrator's approval, cannot take over a business user through a password or an API
token, and that every grant step is audited.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from common.errors import FundError, NotAllowed
from fundapp import grants
from fundapp.models import GrantStatus, RoleGrant
from ledger.models import AuditEvent

User = get_user_model()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin1(make_user):
    return make_user("administrator", username="admin1", is_staff=True)


@pytest.fixture
def admin2(make_user):
    return make_user("administrator", username="admin2", is_staff=True)


@pytest.fixture
def target(make_user):
    return make_user(username="newcomer")


def group(name):
    return Group.objects.get(name=name)


def _user_form(user, **changes):
    """The admin's change form of ``user`` as posted unchanged, with ``changes`` on top."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": timezone.localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _change(client, user, **changes):
    return client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        _user_form(user, **changes),
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_administrator_cannot_give_themselves_superuser_or_a_business_role(client, admin1):
    # given a non-superuser administrator signed in to the admin
    client.force_login(admin1)
    supervisor = group("finance_supervisor")

    # when they post their own user with superuser ticked and the supervisor's group added
    response = _change(
        client,
        admin1,
        is_superuser="on",
        groups=[str(group("administrator").pk), str(supervisor.pk)],
        user_permissions=["1"],
    )

    # then the fields are read-only on their own account: nothing changed
    assert response.status_code in (200, 302)
    admin1.refresh_from_db()
    assert not admin1.is_superuser
    assert set(admin1.groups.values_list("name", flat=True)) == {"administrator"}
    assert not admin1.user_permissions.exists()
    page = client.get(reverse("admin:auth_user_change", args=[admin1.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page


def test_adding_a_role_to_another_in_the_user_form_is_refused_next_to_the_field(
    client, admin1, target
):
    client.force_login(admin1)
    response = _change(client, target, groups=[str(group("finance_supervisor").pk)])
    assert response.status_code == 200  # the form again, with the error
    assert "second administrator" in response.content.decode()
    superuser = _change(client, target, is_superuser="on")
    assert superuser.status_code == 200 and "second administrator" in superuser.content.decode()
    target.refresh_from_db()
    assert not target.groups.exists() and not target.is_superuser


def test_removing_a_role_from_another_applies_at_once_and_is_audited(client, admin1, make_user):
    officer = make_user("finance_officer", username="amy")
    client.force_login(admin1)
    response = _change(client, officer, groups=[])
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not officer.groups.exists()
    event = AuditEvent.objects.get(action="role.revoke")
    assert (event.actor, event.data["role"], event.data["user"]) == (
        admin1,
        "finance_officer",
        "amy",
    )


def test_a_role_is_given_only_when_a_second_administrator_approves_it(
    client, admin1, admin2, target
):
    supervisor = group("finance_supervisor")

    # when admin1 asks for the supervisor's role for the newcomer in the admin
    client.force_login(admin1)
    added = client.post(
        reverse("admin:fundapp_rolegrant_add"),
        {"user": target.pk, "group": supervisor.pk, "reason": "new supervisor, minutes 12"},
    )
    assert added.status_code == 302, added.content.decode()[:3000]
    grant = RoleGrant.objects.get()
    assert (grant.status, grant.requested_by) == (GrantStatus.PENDING, admin1)
    assert not target.groups.exists()

    # then admin1 cannot approve it (the action refuses), nor can the newcomer
    changelist = reverse("admin:fundapp_rolegrant_changelist")
    own = client.post(changelist, {"action": "approve", "_selected_action": [grant.pk]})
    assert own.status_code == 302
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING and not target.groups.exists()
    with pytest.raises(NotAllowed):
        grants.role_grant_approve(grant=grant, actor=target)

    # and admin2 approves it: the newcomer now holds the role
    client.force_login(admin2)
    other = client.post(changelist, {"action": "approve", "_selected_action": [grant.pk]})
    assert other.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by) == (GrantStatus.APPROVED, admin2)
    assert list(target.groups.values_list("name", flat=True)) == ["finance_supervisor"]
    actions = list(
        AuditEvent.objects.filter(action__startswith="role.")
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert actions == [("role.grant_request", "admin1"), ("role.grant_approve", "admin2")]


def test_nobody_asks_for_their_own_role_and_the_form_says_why(client, admin1):
    client.force_login(admin1)
    response = client.post(
        reverse("admin:fundapp_rolegrant_add"),
        {"user": admin1.pk, "superuser": "on", "reason": "me"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Nobody gives themselves" in response.content.decode()
    assert not RoleGrant.objects.exists()


def test_an_account_configures_or_does_business_never_both(admin1, admin2, make_user):
    officer = make_user("finance_officer", username="amy")
    with pytest.raises(FundError, match="business role"):
        grants.role_grant_request(
            user=officer, group=group("administrator"), reason="r", actor=admin1
        )
    with pytest.raises(FundError, match="business role"):
        grants.role_grant_request(user=officer, superuser=True, reason="r", actor=admin1)
    with pytest.raises(FundError, match="administrator or a superuser"):
        grants.role_grant_request(
            user=admin2, group=group("finance_supervisor"), reason="r", actor=admin1
        )
    # and approval checks again: a role given meanwhile (around the grants) blocks it
    newcomer = make_user(username="bo")
    grant = grants.role_grant_request(
        user=newcomer, group=group("administrator"), reason="second admin", actor=admin1
    )
    newcomer.groups.add(group("reviewer"))
    with pytest.raises(FundError, match="business role"):
        grants.role_grant_approve(grant=grant, actor=admin2)
    assert not newcomer.groups.filter(name="administrator").exists()


def test_a_superuser_cannot_ask_or_approve_grants(admin1, target, make_user):
    root = User.objects.create_superuser("root", "r@example.org", "pw-Testing-123")
    with pytest.raises(NotAllowed):
        grants.role_grant_request(
            user=target, group=group("finance_supervisor"), reason="r", actor=root
        )
    grant = grants.role_grant_request(
        user=target, group=group("finance_supervisor"), reason="r", actor=admin1
    )
    with pytest.raises(NotAllowed):
        grants.role_grant_approve(grant=grant, actor=root)
    officer = make_user("finance_officer")
    with pytest.raises(NotAllowed):
        grants.role_grant_approve(grant=grant, actor=officer)


def test_the_database_refuses_a_grant_asked_or_decided_by_the_one_who_receives_it(
    admin1, admin2, target
):
    supervisor = group("finance_supervisor")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=target, group=supervisor, reason="r", requested_by=target)
    grant = RoleGrant.objects.create(user=target, group=supervisor, reason="r", requested_by=admin1)
    for decider in (admin1, target):
        with pytest.raises(IntegrityError), transaction.atomic():
            RoleGrant.objects.filter(pk=grant.pk).update(
                status="approved", decided_by=decider, decided_at=timezone.now()
            )
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=target, group=supervisor, reason="r", requested_by=admin2)
    grant.refresh_from_db()
    assert grant.status == "pending" and grant.decided_by is None


def test_groups_are_read_only_in_the_admin(client, admin1):
    client.force_login(admin1)
    admins = group("administrator")
    response = client.post(
        reverse("admin:auth_group_change", args=[admins.pk]),
        {"name": "administrator", "permissions": [p.pk for p in admins.permissions.all()]},
    )
    assert response.status_code == 403
    root = User.objects.create_superuser("root", "r@example.org", "pw-Testing-123")
    client.force_login(root)
    assert client.get(reverse("admin:auth_group_add")).status_code == 403


def test_no_business_user_is_taken_over_by_password_or_token(client, make_user):
    officer = make_user("finance_officer", username="amy")
    root = User.objects.create_superuser("root", "r@example.org", "pw-Testing-123")
    client.force_login(root)
    # the password form of a business user is refused
    url = reverse("admin:auth_user_password_change", args=[officer.pk])
    assert client.get(url).status_code == 403
    posted = client.post(url, {"password1": "Taken-over-123", "password2": "Taken-over-123"})
    assert posted.status_code == 403
    officer.refresh_from_db()
    assert officer.check_password("pw-Testing-123")
    # nor is the second administrator's (who would then approve the first one's grants)
    other_admin = make_user("administrator", username="admin2", is_staff=True)
    url = reverse("admin:auth_user_password_change", args=[other_admin.pk])
    assert (
        client.post(url, {"password1": "Tk-over-1234", "password2": "Tk-over-1234"}).status_code
        == 403
    )
    # a new account with no role yet gets its first password
    newcomer = make_user(username="newcomer")
    url = reverse("admin:auth_user_password_change", args=[newcomer.pk])
    assert client.get(url).status_code == 200
    # a token for someone else is refused; the list never shows a key
    token = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": officer.pk})
    assert token.status_code == 200 and not Token.objects.filter(user=officer).exists()
    mine = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": root.pk})
    assert mine.status_code == 302
    key = Token.objects.get(user=root).key
    client.get(reverse("admin:authtoken_tokenproxy_changelist"))  # shows "added" once
    listing = client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()
    assert key not in listing
    # another user's token (made by the operator) is not opened: its page shows the key
    theirs = Token.objects.create(user=officer)
    for name in ("change", "delete"):
        page = client.get(reverse(f"admin:authtoken_tokenproxy_{name}", args=[officer.pk]))
        assert page.status_code == 403 and theirs.key not in page.content.decode()


def test_the_operator_makes_the_first_administrators(target, admin1):
    call_command("grant_role", "newcomer", "administrator", reason="first admins", verbosity=0)
    target.refresh_from_db()
    assert target.is_staff and target.groups.filter(name="administrator").exists()
    grant = RoleGrant.objects.get(user=target)
    assert grant.status == "approved" and grant.requested_by is None and grant.decided_by is None
    assert AuditEvent.objects.filter(action="role.grant_approve", actor=None).exists()
    admin1.groups.add(group("auditor"))
    with pytest.raises(CommandError, match="business role"):
        call_command("grant_role", "admin1", "superuser", reason="x", verbosity=0)
    with pytest.raises(CommandError, match="No role"):
        call_command("grant_role", "newcomer", "king", reason="x", verbosity=0)
