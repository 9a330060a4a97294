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

// A background job's page (web/job.html): its step and counts read every second from the job's
// status; when it ends the page is loaded again, showing what was done and the ways on.
const job = document.getElementById("job");
if (job && job.dataset.finished === "0") {
  const poll = async () => {
    try {
      const response = await fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" } });
      // Signed out meanwhile (sent to the login page), or the job no longer the user's: the page
      // loaded again says so, rather than a state that never moves.
      if (response.redirected || response.status === 403 || response.status === 404) return window.location.reload();
      if (response.ok) {
        const state = await response.json();
        if (state.finished) return window.location.reload();
        document.getElementById("job-state").textContent = state.state_label;
        document.getElementById("job-step").textContent = state.step;
        document.getElementById("job-count").textContent = state.count; // grouped by the server: 30,100
        const bar = document.getElementById("job-progress");
        if (state.percent === null) bar.removeAttribute("value");
        else bar.value = state.percent;
      }
    } catch (error) {
      // The server is busy or the network paused: ask again at the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}

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
