// New course form: choosing a regimen fills in its usual number of cycles and
// first-dose time.  Without this script the server fills them when the preview
// is asked for with the fields left empty.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select[data-defaults]");
  if (!select) {
    return;
  }
  const defaults = JSON.parse(select.dataset.defaults);
  select.addEventListener("change", () => {
    const chosen = defaults[select.value];
    if (!chosen) {
      return;
    }
    select.form.elements.cycles.value = chosen.cycles;
    select.form.elements.start_time.value = chosen.start_time;
  });
});
