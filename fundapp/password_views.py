"""The "change my password" screen (/accounts/password/, URL name ``password_change``): Django's
own ``PasswordChangeView`` (old password, new password twice, the project's password
validators) with the project's template, in both languages. It is the one page a user with a
password someone else set reaches (``fundapp.passwords``); the change clears that mark, and the
new password must differ from the one that was set. Afterwards the user goes where they were
going (``next``, on this site only) or home."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .passwords import must_change_password, password_set_by


class OwnPasswordChangeForm(PasswordChangeForm):
    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise forms.ValidationError(
                gettext_lazy("Choose a new password, not the one you have now."),
                code="password_unchanged",
            )
        return new


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordChangeForm
    template_name = "registration/password_change_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = must_change_password(self.request.user)
        context["next"] = self._next() or ""
        return context

    def form_valid(self, form):
        with password_set_by(self.request.user):
            response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response

    def get_success_url(self):
        from django.urls import reverse

        return self._next() or reverse("home")

    def _next(self) -> str | None:
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return None
