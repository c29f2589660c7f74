"""Forms that keep work, on the relief-case screens (issue 14, point 7), as a browser without
JavaScript uses them; tests/e2e/test_forms_js.py drives the same forms with JavaScript.

- "Add a member" on the household form shows the same form again, what was typed kept, with one
  member row more (it used to reload the form empty);
- the case page has one decision form with a choice (approve, return, reject) instead of three
  stacked forms, and a refusal keeps what was typed next to the field;
- the case history reads in words: states, decisions and tier names, never the codes.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from approvals.models import CaseState, Household
from tests.fundapp import test_chinese

from .factories import id_number
from .test_views import _household_post

pytestmark = pytest.mark.django_db

# the Chinese of strings whose catalogue entries are merged by the lead (TRANSLATIONS.zh.txt)
pending_translations = test_chinese.pending_translations


def _as(client, user, language="en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def test_adding_a_member_without_javascript_keeps_what_was_typed(client, people, world):
    # given a case worker who typed the household and its head
    data = _household_post(world, id_number(), add_member="1")

    # when they press "Add a member" (the form posts, as without JavaScript)
    response = _as(client, people.worker).post(reverse("approvals:household-new"), data)

    # then the same form comes back with everything typed and a second, empty member row,
    # no error shown for the fields not reached yet, and nothing is registered
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="梅园一村9号"' in html and 'value="王五"' in html
    assert f'value="{data["people-0-id_number"]}"' in html
    assert f'<option value="{world.village_a1.pk}" selected>' in html
    assert 'name="people-TOTAL_FORMS" value="2"' in html
    assert 'name="people-1-name"' in html and 'name="people-2-name"' not in html
    assert "This field is required." not in html
    assert not Household.objects.exists()

    # when they fill the second member and register, then both are registered
    data = _household_post(
        world,
        data["people-0-id_number"],
        **{
            "people-TOTAL_FORMS": "2",
            "people-1-name": "李梅",
            "people-1-id_number": id_number("19800101"),
            "people-1-relation": "parent",
        },
    )
    response = client.post(reverse("approvals:household-new"), data)
    assert response.status_code == 302
    household = Household.objects.get()
    assert sorted(household.people.values_list("name", flat=True)) == ["李梅", "王五"]


def test_the_register_button_comes_first_so_enter_registers(client, people):
    # Enter in a field presses the form's first submit button: it must be the main action
    html = _as(client, people.worker).get(reverse("approvals:household-new")).content.decode()
    buttons = re.findall(r"<button[^>]*type=\"submit\"[^>]*>", html.split('id="household-form"')[1])
    assert "add_member" not in buttons[0] and "btn-primary" in buttons[0]
    assert any("add_member" in b for b in buttons[1:])


def test_the_relation_parent_reads_as_a_family_word_in_chinese(
    client, people, pending_translations
):
    html = _as(client, people.worker, "zh-hans").get(reverse("approvals:household-new"))
    html = html.content.decode()
    assert '<option value="parent">父母</option>' in html
    assert "上级科目" not in html


def test_the_case_page_has_one_decision_form_with_a_choice(client, people, new_case, drive):
    case = drive(new_case(), "in_review")
    html = _as(client, people.village_rev).get(reverse("approvals:case", args=[case.pk]))
    html = html.content.decode()
    assert html.count('id="decision-form"') == 1
    # and no form posts to one decision's own address any more (three stacked forms)
    for value in ("approve", "return", "reject"):
        assert reverse("approvals:case-action", args=[case.pk, value]) not in html
    for value in ("approve", "return", "reject"):
        assert f'name="decide-decision" value="{value}"' in html
    assert reverse("approvals:case-action", args=[case.pk, "decide"]) in html


@pytest.mark.parametrize(
    "decision, fields, state, tier",
    [
        ("approve", {"decide-comment": "材料齐全"}, CaseState.IN_REVIEW, 2),
        ("return", {"decide-missing_items": "低保证明\n户口本\n"}, CaseState.RETURNED, None),
        ("reject", {"decide-reason": "收入超标"}, CaseState.REJECTED, None),
    ],
)
def test_each_decision_goes_through_the_one_form(
    client, people, new_case, drive, decision, fields, state, tier
):
    case = drive(new_case(), "in_review")
    response = _as(client, people.village_rev).post(
        reverse("approvals:case-action", args=[case.pk, "decide"]),
        {"decide-decision": decision, **fields},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == state and case.current_tier == tier
    assert case.history.filter(decision=decision).exists()


@pytest.mark.parametrize(
    "decision, field",
    [("return", "missing_items"), ("reject", "reason")],
)
def test_a_decision_without_what_it_needs_is_refused_next_to_the_field(
    client, people, new_case, drive, decision, field
):
    # given a case in review, when the reviewer chooses a decision but leaves its field empty
    case = drive(new_case(), "in_review")
    response = _as(client, people.village_rev).post(
        reverse("approvals:case-action", args=[case.pk, "decide"]),
        {"decide-decision": decision, "decide-comment": "已核实"},
    )
    # then the error is next to that field, the choice and comment are kept, nothing moves
    html = response.content.decode()
    assert response.status_code == 400
    assert f"id_decide-{field}_errors" in html
    assert re.search(rf'value="{decision}"[^>]*checked', html)
    assert "已核实" in html
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW and case.current_tier == 1


def test_a_decision_with_no_choice_is_refused(client, people, new_case, drive):
    case = drive(new_case(), "in_review")
    response = _as(client, people.village_rev).post(
        reverse("approvals:case-action", args=[case.pk, "decide"]), {"decide-comment": "x"}
    )
    assert response.status_code == 400 and "id_decide-decision_errors" in response.content.decode()
    case.refresh_from_db()
    assert case.current_tier == 1


def test_the_history_reads_states_decisions_and_tier_names_not_codes(
    client, people, new_case, drive, pending_translations
):
    # given a case filed, submitted and approved at the first tier
    case = drive(new_case(), "in_review")
    client = _as(client, people.village_rev)
    client.post(
        reverse("approvals:case-action", args=[case.pk, "decide"]),
        {"decide-decision": "approve", "decide-comment": ""},
    )
    tiers = {t.order: t for t in case.program.tiers.all()}

    for language in ("en", "zh-hans"):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        html = client.get(reverse("approvals:case", args=[case.pk])).content.decode()
        history = html.split("<h2>", 3)[-1]
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", history)
        # then no cell is a code, and the tiers are named
        # (in English a few labels are the same word as their code: "draft", "submitted")
        codes = ("draft", "submitted", "file", "submit") if language == "zh-hans" else ()
        for code in (*codes, "in_review", "start_review"):
            assert code not in cells, (language, code)
        if language == "en":
            assert "in review" in cells and "review started" in cells
        name = tiers[1].name_zh if language == "zh-hans" else tiers[1].name_en
        assert name in cells
        # and the status line names the tier the case waits at
        status = html.split('id="case-state">', 1)[1].split("</td>", 1)[0]
        assert (tiers[2].name_zh if language == "zh-hans" else tiers[2].name_en) in status
    assert "审核通过" in cells and "开始审核" in cells
