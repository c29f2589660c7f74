"""A password set by someone else is changed by its owner before anything else answers.

Whoever sets another person's password knows it: an administrator who gives a new account its
first password in the admin, or resets one there, and the operator who sets one at the server
(``manage.py changepassword``, the shell) could sign in as that person later, after a role has
been granted to them. So such a password is marked (``PasswordState.must_change``, audited), and
until its owner has chosen a new one on the "change my password" screen (``password_change``,
/accounts/password/), every other page redirects there and every API call — signed in or by
token — is refused (403), the admin included.

Where the mark is made:

* every save of a user whose password was set (``set_password``) outside the owner's own change
  (a ``post_save`` signal): the admin's change-password form for another user, ``changepassword``,
  the shell. A new account is marked when an administrator creates it in the admin
  (``password_set_by``); accounts created in code (the demo's, the tests' factories) are not;
* ``manage.py grant_role`` for an account whose owner never chose a password
  (``mark_if_never_own``): the operator created it, and knows its password.

The owner's own change (the screen, or the admin's form on one's own account) clears the mark
and records ``own_since``. The new password must differ from the one that was set. The demo's
users are not marked (documented in the README): their passwords are published for the demo.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from common.throttle import register_token_user_check
from ledger.audit import AuditAction, audit

from .middleware import PASSWORD_CHANGE_CODE, PASSWORD_CHANGE_FIRST
from .models import PasswordState

_UNSET = object()
# Who is setting passwords in this request or command: the admin and the change screen say so;
# outside them (a command, the shell) nobody did, i.e. the operator.
_setter: ContextVar = ContextVar("fundapp_password_setter", default=_UNSET)


@contextmanager
def password_set_by(actor):
    """Passwords saved inside are set by ``actor``: their own (cleared) or someone else's
    (marked, even on a new account)."""
    token = _setter.set(actor)
    try:
        yield
    finally:
        _setter.reset(token)


def must_change_password(user) -> bool:
    """True when ``user`` signed in with a password someone else set and has not changed it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return False
    return PasswordState.objects.filter(user_id=user.pk, must_change=True).exists()


def mark_set_by_other(*, user, actor, how: str) -> None:
    """``user``'s password was set by ``actor`` (None: the operator): its owner must change it."""
    with transaction.atomic():
        PasswordState.objects.update_or_create(
            user_id=user.pk,
            defaults={
                "must_change": True,
                "set_by_id": getattr(actor, "pk", None),
                "set_at": timezone.now(),
            },
        )
        audit(actor=actor, action=AuditAction.PASSWORD_SET_BY_OTHER, obj=user, how=how)


def mark_own_change(*, user) -> None:
    with transaction.atomic():
        PasswordState.objects.update_or_create(
            user_id=user.pk, defaults={"must_change": False, "own_since": timezone.now()}
        )
        audit(actor=user, action=AuditAction.PASSWORD_CHANGE_OWN, obj=user)


def mark_if_never_own(*, user, actor, how: str) -> bool:
    """Mark ``user``'s password unless its owner has chosen one; True when marked."""
    if PasswordState.objects.filter(user_id=user.pk, own_since__isnull=False).exists():
        return False
    if not user.has_usable_password():
        return False
    mark_set_by_other(user=user, actor=actor, how=how)
    return True


def _note_password_set(sender, instance, raw=False, **kwargs):
    # AbstractBaseUser.save() forgets _password once saved: remember it for post_save.
    instance._fundapp_password_set = not raw and getattr(instance, "_password", None) is not None


def _after_user_save(sender, instance, created, raw=False, **kwargs):
    if raw or not getattr(instance, "_fundapp_password_set", False):
        return
    instance._fundapp_password_set = False
    actor = _setter.get()
    if actor is _UNSET:
        if created:
            return  # an account created in code (demo, tests); the admin says who sets
        mark_set_by_other(user=instance, actor=None, how="server")
    elif actor is not None and actor.pk == instance.pk:
        mark_own_change(user=instance)
    elif instance.has_usable_password():
        mark_set_by_other(user=instance, actor=actor, how="admin")


def connect() -> None:
    register_token_user_check(token_user_refusal)
    User = get_user_model()
    pre_save.connect(_note_password_set, sender=User, dispatch_uid="fundapp.password_set")
    post_save.connect(_after_user_save, sender=User, dispatch_uid="fundapp.password_saved")


def token_user_refusal(user) -> tuple[str, str] | None:
    """The API token path's check (``common.throttle.register_token_user_check``): a token is
    not a session, so the middleware never sees its user; without this the API would be the
    way around the forced change."""
    if must_change_password(user):
        return PASSWORD_CHANGE_CODE, str(PASSWORD_CHANGE_FIRST)
    return None
