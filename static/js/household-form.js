/* "Add a member" on the household form, in the page: a new member row from the <template>,
   nothing typed is lost. Without JavaScript the same button posts the form and the server
   shows it again with what was typed and one row more (approvals/views.py household_new). */
(function () {
  "use strict";
  var form = document.getElementById("household-form");
  var button = document.getElementById("add-member");
  var template = document.getElementById("member-template");
  if (!form || !button || !template) return;
  var total = form.querySelector('input[name="people-TOTAL_FORMS"]');
  var max = form.querySelector('input[name="people-MAX_NUM_FORMS"]');
  var members = document.getElementById("members");
  var LIMIT = 20;
  button.type = "button"; // in the page, the button adds a row; it posts nothing

  button.addEventListener("click", function (event) {
    var n = parseInt(total.value, 10) || 0;
    var limit = Math.min(LIMIT, parseInt(max && max.value, 10) || LIMIT);
    event.preventDefault();
    if (n >= limit) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(n));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    row.querySelector(".member-no").textContent = String(n + 1);
    var relation = row.querySelector('select[name$="-relation"]');
    if (relation) relation.value = "spouse";
    members.appendChild(row);
    total.value = String(n + 1);
    var first = row.querySelector("input, select");
    if (first) first.focus();
    if (n + 1 >= limit) button.disabled = true;
  });
})();
