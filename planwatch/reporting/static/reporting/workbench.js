// The reviewer's workbench (reporting/workbench.html): "select all", the count of the selection,
// and the confirmation of a bulk action said with its count (app.js asks form[data-confirm]).
const bulk = document.getElementById("wb-bulk");
if (bulk) {
  const boxes = () => [...document.querySelectorAll("input[name=select][form=wb-bulk]")];
  const count = document.getElementById("wb-count");
  const all = document.getElementById("wb-select-all");
  const show = () => {
    const n = boxes().filter((box) => box.checked).length;
    if (count) count.textContent = n ? count.dataset.template.replace("{n}", n) : "";
    if (all) all.checked = n > 0 && n === boxes().length;
  };
  if (all) {
    all.addEventListener("change", () => {
      boxes().forEach((box) => { box.checked = all.checked; });
      show();
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("input[name=select][form=wb-bulk]")) show();
  });
  // Runs before app.js's listener on the document: the question names the action and the count.
  bulk.addEventListener("submit", (event) => {
    const button = event.submitter;
    const chosen = boxes().filter((box) => box.checked);
    const flagged = chosen.filter((box) => box.dataset.flagged).length;
    if (button && button.dataset.confirm) {
      const space = document.documentElement.lang.startsWith("zh") ? "" : " ";
      const warn = flagged ? space + bulk.dataset.flagged.replace("{m}", flagged) : "";
      bulk.dataset.confirm = button.dataset.confirm.replace("{n}", chosen.length) + warn;
    }
  });
  show();
}
