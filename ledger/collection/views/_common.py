"""What the collection's list and document screens share: paging, the list template's context,
a PDF answer."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from common.exports import query_without

PAGE_SIZE = 50


def page_of(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def list_context(request, form, page, **extra) -> dict:
    return {
        "form": form,
        "page": page,
        "query": query_without(request, "page", "format"),
        "export_query": query_without(request, "format"),
        **extra,
    }


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
