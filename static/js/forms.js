/* Forms that keep work and ask before what cannot be undone (issue 14, point 7). Loaded on
   every page; CSP-safe (no inline handlers). Everything here is an enhancement: without
   JavaScript the forms post as plain HTML and the server answers the same way.

   - data-confirm="question" on a submit button (or on its form): the browser asks first; with
     data-confirm-if="name=value" only when that choice is checked in the form. Without
     JavaScript a <noscript> check box (templates/_confirm.html) asks instead.
   - data-decision-field="value" on a block: shown only while the form's decision choice is
     that value (the case page's one decision form). */
(function () {
  "use strict";

  function checkedValue(form, name) {
    var input = form.querySelector('input[name$="' + name + '"]:checked');
    return input ? input.value : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var asking = button && button.hasAttribute("data-confirm") ? button
      : form.hasAttribute("data-confirm") ? form : null;
    if (!asking) return;
    var condition = asking.getAttribute("data-confirm-if");
    if (condition) {
      var parts = condition.split("=");
      if (checkedValue(form, parts[0]) !== parts[1]) return;
    }
    if (!window.confirm(asking.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function showDecisionFields(form) {
    var value = checkedValue(form, "decision");
    form.querySelectorAll("[data-decision-field]").forEach(function (block) {
      block.hidden = value !== block.getAttribute("data-decision-field");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.one-decision").forEach(function (form) {
      showDecisionFields(form);
      form.addEventListener("change", function () { showDecisionFields(form); });
    });
  });
})();
