/* A search box above each long choice list ([data-picker]: a <select> or a group of
   checkboxes): typing part of a name narrows the list. Without this script the full list
   works as it is; the server checks every choice either way. */
(function () {
  "use strict";

  function norm(text) {
    return text.replace(/\s+/g, "").toLowerCase();
  }

  function searchBox(list) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-find";
    box.placeholder = list.getAttribute("data-picker");
    box.setAttribute("aria-label", list.getAttribute("data-picker"));
    box.autocomplete = "off";
    if (list.id) box.setAttribute("aria-controls", list.id);
    list.parentNode.insertBefore(box, list);
    return box;
  }

  // A <select>: the matching options are put back in the list (hiding an <option> does
  // not work in every phone's picker); the chosen one always stays.
  function selectPicker(select) {
    var all = Array.prototype.slice.call(select.options);
    var box = searchBox(select);
    box.addEventListener("input", function () {
      var q = norm(box.value);
      var chosen = select.value;
      var keep = all.filter(function (option) {
        return !option.value || option.value === chosen || !q || norm(option.text).indexOf(q) !== -1;
      });
      while (select.firstChild) select.removeChild(select.firstChild);
      keep.forEach(function (option) { select.appendChild(option); });
      select.value = chosen;
      if (q && keep.length === 2 && !chosen) select.value = keep[1].value;
    });
  }

  // Checkboxes: the rows that do not match are hidden; ticked ones always show.
  function checkboxPicker(group) {
    var rows = Array.prototype.slice.call(group.children);
    var box = searchBox(group);
    box.addEventListener("input", function () {
      var q = norm(box.value);
      rows.forEach(function (row) {
        var input = row.querySelector("input");
        var show = !q || (input && input.checked) || norm(row.textContent).indexOf(q) !== -1;
        row.hidden = !show;
      });
    });
  }

  function init() {
    var lists = document.querySelectorAll("[data-picker]");
    Array.prototype.forEach.call(lists, function (list) {
      if (list.tagName === "SELECT") selectPicker(list);
      else checkboxPicker(list);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
