"""A refused batch build lists the awards it left out and why, next to the form (issue 14,
point 7: it used to say "see why in the list" with no list)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import services as approvals
from disbursement import tasks
from disbursement.models import PayoutBatch
from disbursement.views import jobs as payout_views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _jobs_inline(monkeypatch, django_capture_on_commit_callbacks, settings, tmp_path):
    """Jobs run in-process before the view answers, as without a broker."""
    settings.PAYOUT_EXPORT_DIR = tmp_path / "bankfiles"
    real = tasks.job_submit

    def submit(kind, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real(kind, **kwargs)

    monkeypatch.setattr(payout_views, "job_submit", submit)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_refused_build_lists_each_award_left_out_with_its_reason(
    client, people, relief, final_cases, language
):
    # given three final awards whose households have no bank account any more
    for case in final_cases:
        approvals.bank_account_change(
            household=case.household, bank_name="", account="", reason="销户", actor=people.worker
        )
    client.force_login(people.officer)

    # when the officer builds the batch on the screen
    response = client.post(
        reverse("payouts:batch-new"),
        {"program": relief.pk, "cycle": "2026"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    # then nothing is built, the form keeps the program, and the page lists every award left
    # out by its case number with the reason, in the reader's language
    assert not PayoutBatch.objects.exists()
    page = response.content.decode()
    assert response.status_code >= 400
    assert 'id="left-out"' in page
    listed = page.split('id="left-out"', 1)[1].split("</section>", 1)[0]
    for case in final_cases:
        assert case.number in listed
    reason = "bank account on file" if language == "en" else "银行账户"
    assert listed.count(reason) == len(final_cases)
    assert f'<option value="{relief.pk}" selected>' in page
