/* PlanWatch bulletins: while the server builds or issues a bulletin (a few seconds), say so and count the
   seconds, and keep the form from being sent twice. The build itself runs in the request. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("generate") || document.getElementById("issue");
    var status = form && form.querySelector(".building");
    if (!form || !status) return;
    // On the document, after app.js's: a form[data-confirm] whose question was answered 取消 was
    // not sent (its default prevented), and the page stays as it was.
    document.addEventListener("submit", function (event) {
      if (event.target !== form || event.defaultPrevented) return;
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var started = Date.now();
      var text = status.getAttribute("data-text");
      function tick() {
        var seconds = Math.floor((Date.now() - started) / 1000);
        status.textContent = text.replace("%s", String(seconds));
      }
      tick();
      status.hidden = false;
      window.setInterval(tick, 1000);
    });
  });
})();
