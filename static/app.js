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
    // A link in an error summary puts the focus in its field: a group of
    // choices is named by its box, so its first choice (or the one
    // chosen) takes the focus.
    Array.prototype.forEach.call(document.querySelectorAll(".error-summary"), function (box) {
      box.addEventListener("click", function (e) {
        var a = e.target.closest && e.target.closest('a[href^="#"]');
        var target = a && document.getElementById(a.getAttribute("href").slice(1));
        if (!target) return;
        var field = target.matches("input, select, textarea")
          ? target
          : target.querySelector("input:checked, input:not([type=hidden]), select, textarea");
        if (!field) return;
        e.preventDefault();
        target.scrollIntoView({ block: "center" });
        field.focus();
      });
    });
  });
})();
