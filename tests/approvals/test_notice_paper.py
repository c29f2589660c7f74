"""The printed public notice speaks the public's language (issue 14, point 8): a person's name
is headed 姓名 (not 名称, the word for a thing's name) and amounts read ¥1,000.00."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_notice_pdf_heads_names_as_peoples_and_shows_yuan(client, new_case, drive):
    # given a case on public notice
    case = drive(new_case(), "on_notice")
    notice = case.notice_items.get().notice

    # when the public prints the notice
    response = client.get(reverse("public:notice-pdf", args=[notice.pk]))
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()

    # then the name column is 姓名, the masked name is under it, and the amount is in yuan
    assert "姓名" in text and "名称" not in text
    assert "张*明" in text and "张小明" not in text
    assert "¥1,000.00" in text and "CNY" not in text
