// Small enhancements; every form works without this file.
(function () {
  "use strict";
  function sync(form) {
    var filer = form.querySelector('input[name="filer"]:checked');
    var agent = form.querySelector("[data-for-agent]");
    if (agent) agent.hidden = !(filer && filer.value !== "self");
    var kind = form.querySelector('input[name="kind"]:checked');
    var delivery = form.querySelector("[data-for-disclosure]");
    if (delivery) delivery.hidden = !!(kind && kind.getAttribute("data-disclosure") !== "true");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.request-form");
    if (form) {
      sync(form);
      form.addEventListener("change", function () { sync(form); });
    }
    var print = document.querySelector("[data-print]");
    if (print) print.addEventListener("click", function () { window.print(); });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
