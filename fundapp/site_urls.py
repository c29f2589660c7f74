"""The site's own pages: home, login and logout (the apps bring their own URL modules)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import password_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    # The "change my password" screen; also the one page a user whose password someone else
    # set reaches until they have changed it (fundapp.passwords).
    path(
        "accounts/password/",
        password_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    # Logout is a POST (Django 5): the header's button posts here; a GET is refused with 405.
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
