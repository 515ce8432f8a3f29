// The service record's print button (no inline script, so a strict CSP can stay on).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
