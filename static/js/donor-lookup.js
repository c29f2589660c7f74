/* Donor look-up as you type for the donation form: fills the <datalist> from a small JSON
   endpoint. Without JavaScript the form still works with the donor select below the box. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-lookup-url]");
  if (!form) return;
  var input = form.querySelector("input[list]");
  var list = document.getElementById(input && input.getAttribute("list"));
  if (!input || !list) return;
  var url = form.getAttribute("data-lookup-url");
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (q === last || q.indexOf("#") !== -1) return;
    last = q;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          list.textContent = "";
          data.results.forEach(function (d) {
            var option = document.createElement("option");
            option.value = d.name + (d.code ? " · " + d.code : "") + " #" + d.id;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
