// Behaviour every page may use, without inline scripts (the Content-Security-Policy runs none):
// <select data-autosubmit> submits its form when changed; <form data-confirm="…"> asks first.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// The top bar's inbox badge: how many things wait on the user (planwatch.inbox), asked once the
// page is shown so that no page waits for it.
document.addEventListener("DOMContentLoaded", () => {
  const link = document.querySelector("a.inbox-link[data-count-url]");
  if (!link) return;
  fetch(link.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      if (!data) return;
      const badge = link.querySelector("[data-inbox-badge]");
      badge.textContent = String(data.count);
      badge.hidden = data.count === 0; // what waits on the user
      link.classList.toggle("has-unread", data.unread > 0); // and a dot for unread notifications
      link.dataset.unread = String(data.unread);
    })
    .catch(() => {});
});
