"""The site's URLs plus a page named ``password_change`` (built by another branch): the header's
link to it appears only when the name resolves."""

from django.http import HttpResponse
from django.urls import path

from fundapp.urls import urlpatterns as site

urlpatterns = [
    path("accounts/password/", lambda request: HttpResponse("ok"), name="password_change"),
    *site,
]
