// Behaviour kept out of the templates (no inline scripts, for the CSP).
(function () {
  // CSRF token for every htmx request.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });
  // Let 400/409 answers replace their target so the message is seen.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Open <dialog> elements loaded by htmx.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target.querySelector && event.detail.target.querySelector("dialog[data-autoopen]");
    if (dialog && !dialog.open) { dialog.showModal(); }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) { var d = closer.closest("dialog"); if (d) { d.close(); d.remove(); } }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) { event.target.form.requestSubmit(); }
    if (event.target.matches("[data-check-all]")) {
      var box = event.target;
      document.querySelectorAll(box.getAttribute("data-check-all")).forEach(function (c) { c.checked = box.checked; });
    }
  });
  // Pipeline board: dropping a card on a column opens that transition's form.
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".card[data-transitions]");
    if (card) { dragged = card; event.dataTransfer.setData("text/plain", card.id); }
  });
  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest("section[data-stage]");
    if (column && dragged) { event.preventDefault(); column.classList.add("drop-target"); }
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest("section[data-stage]");
    if (column) { column.classList.remove("drop-target"); }
  });
  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest("section[data-stage]");
    if (!column || !dragged) { return; }
    event.preventDefault();
    column.classList.remove("drop-target");
    var map = JSON.parse(dragged.getAttribute("data-transitions"));
    var url = map[column.getAttribute("data-stage")];
    var box = document.getElementById("dialog-box");
    if (url && box) { htmx.ajax("GET", url, {target: box, swap: "innerHTML"}); }
    else if (box) { htmx.ajax("GET", dragged.getAttribute("data-refused-url") + "?to=" + column.getAttribute("data-stage"), {target: box, swap: "innerHTML"}); }
    dragged = null;
  });
})();
// Bar widths come from data attributes (no inline styles, for the CSP).
// A table or board wider than the screen scrolls in its box: the box takes the keyboard's focus, so that
// it can be scrolled without a mouse (WCAG 2.1.1; axe "scrollable-region-focusable").
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".table-wrap, .board, .diagram").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
  });
  document.querySelectorAll(".bar-fill[data-pct]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-pct") + "%";
  });
});
// The toast (a task completed, with its undo): shown for 8 seconds, then emptied; the server still
// allows the undo for a while (workflows.campaigns.services.TASK_UNDO_WINDOW).
(function () {
  var timer = null;
  function armToast() {
    var toast = document.getElementById("toast");
    if (!toast || !toast.children.length) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { toast.innerHTML = ""; timer = null; }, 8000);
  }
  document.addEventListener("DOMContentLoaded", armToast);
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "toast") { armToast(); }
  });
})();
