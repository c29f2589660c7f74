"""The site's own pages: home, login and logout (the apps bring their own URL modules)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Logout is a POST (Django 5): the header's button posts here; a GET is refused with 405.
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
