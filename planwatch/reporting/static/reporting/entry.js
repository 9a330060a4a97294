/* The entry form: check values as they are typed, show the change against the previous period, count
   the unsaved changes. A mirror of planwatch/core/validation.py kept simple: the server decides, so a
   save is never held back here — the server's answer lists every problem of the form at once (on top,
   each linked to its field, and beside each field), those this script cannot see included. */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) return;
  var text = form.dataset;
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

  // 1,200 / 1 200 / full-width digits, as officials type them.
  function normalise(raw) {
    return raw
      .replace(/[\uFF10-\uFF19\uFF0E\uFF0D\uFF0B]/g, function (c) {
        return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
      })
      .replace(/[\s,\uFF0C]/g, "");
  }

  // The problem with a value, or "" when there is none.
  function problem(input) {
    var raw = normalise(input.value);
    if (raw === "") return "";
    if (!NUMBER.test(raw)) return text.msgNumber;
    var decimals = raw.indexOf(".") < 0 ? 0 : raw.length - raw.indexOf(".") - 1;
    if (decimals > 6) return text.msgDecimals;
    var n = Number(raw);
    var quantity = input.dataset.quantity;
    if ((quantity === "count" || quantity === "persons" || quantity === "yuan") && n < 0) return text.msgNegative;
    if (input.dataset.whole && !Number.isInteger(n)) return text.msgInteger;
    var min = input.dataset.min, max = input.dataset.max;
    if (min !== "" && max !== "" && (n < Number(min) || n > Number(max))) {
      return text.msgRange.replace("{min}", min).replace("{max}", max);
    }
    return "";
  }

  function format(n, digits) {
    return n.toLocaleString("en-US", { maximumFractionDigits: digits });
  }

  function showChange(input) {
    var cell = document.getElementById("change-" + input.closest("tr").dataset.code);
    var raw = normalise(input.value);
    var previous = input.dataset.previous;
    if (!cell || previous === "" || raw === "" || !NUMBER.test(raw)) {
      if (cell) cell.textContent = "";
      return;
    }
    var change = Number(raw) - Number(previous);
    var sign = change > 0 ? "+" : "";
    var shown = sign + format(change, 6);
    if (input.dataset.quantity === "percent") {
      shown += " " + text.pts;
    } else if (Number(previous) !== 0) {
      shown += " (" + sign + (change / Math.abs(Number(previous)) * 100).toFixed(1) + "%)";
    }
    cell.textContent = shown;
  }

  function check(input) {
    var box = document.getElementById("msg-" + input.closest("tr").dataset.code);
    var message = problem(input);
    var own = box.querySelector(".client");
    if (own) own.remove();
    if (message) {
      var p = document.createElement("p");
      p.className = "field-error client";
      p.textContent = message;
      box.prepend(p);
      input.setAttribute("aria-invalid", "true");
    } else if (!box.querySelector(".field-error")) {
      input.removeAttribute("aria-invalid");
    }
    return message === "";
  }

  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.value-input[name^='value-']"));

  function countChanges() {
    var changed = 0;
    inputs.forEach(function (input) {
      var isChanged = normalise(input.value) !== normalise(input.dataset.original);
      input.closest("tr").classList.toggle("changed", isChanged);
      if (isChanged) changed += 1;
    });
    var counter = document.getElementById("change-count");
    if (counter) counter.textContent = changed ? text.msgChanged.replace("{n}", changed) : "";
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      showChange(input);
      countChanges();
      // the server's problems were about the value as it was sent: the next save judges this one
      var box = document.getElementById("msg-" + input.closest("tr").dataset.code);
      box.querySelectorAll(".field-error:not(.client)").forEach(function (p) { p.remove(); });
      if (input.getAttribute("aria-invalid")) check(input);
    });
    input.addEventListener("blur", function () { check(input); });
  });

  // Back from an action on one value (a file attached, a revision asked): show that row's notes.
  var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (target && target.tagName === "TR") {
    var notes = target.querySelector("details");
    if (notes) notes.open = true;
  }

  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      form.querySelectorAll("input[name='select']").forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
