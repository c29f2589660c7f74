/* Progress bar of a long payout job: polls the job's small JSON endpoint and moves the
   <progress> element; when the job ends the page reloads to show its outcome (links to the
   result, or the refusal with every problem). Without JavaScript the page has a reload link. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-finished") === "1") return;
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("job-bar");
  var status = document.getElementById("job-status");
  var count = document.getElementById("job-count");
  var percent = document.getElementById("job-percent");
  var message = document.getElementById("job-message");
  var delay = 500;

  function show(data) {
    bar.max = data.total > 0 ? data.total : 100;
    bar.value = data.total > 0 ? data.current : data.percent;
    bar.textContent = data.percent + "%";
    status.textContent = data.status_label;
    count.textContent = data.current + " / " + data.total;
    percent.textContent = data.percent + "%";
    message.textContent = data.message || "";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.5, 3000);
        setTimeout(poll, delay);
      })
      .catch(function () {
        setTimeout(poll, 5000);
      });
  }

  setTimeout(poll, delay);
})();
