/* Forms survive a reload.
 *
 * WeChat's in-app browser reloads a page when the phone is short of memory, when the reader
 * pulls the page down, or after switching to the chat and back. What was typed into a form on
 * the page is kept in this tab's sessionStorage as it is typed, put back when the same page
 * loads again, and forgotten when the form is sent or the reader clears it. Passwords, files
 * and hidden fields are never kept. A form opts out with data-no-draft.
 */
(function () {
  "use strict";

  var PREFIX = "sanxian-draft:";
  var SKIP = { password: 1, file: 1, hidden: 1, submit: 1, button: 1, reset: 1, image: 1 };
  var store;
  try {
    store = window.sessionStorage;
    store.setItem(PREFIX + "probe", "1");
    store.removeItem(PREFIX + "probe");
  } catch (e) {
    return; // private mode or storage switched off: forms work as before
  }

  function kept(el) {
    return el.name && !SKIP[el.type] && el.name !== "csrfmiddlewaretoken" && !el.disabled;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, kept);
  }

  function draftable(form) {
    if (!form || form.hasAttribute("data-no-draft")) return false;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return false;
    if (!form.closest("main")) return false;
    return fields(form).length > 0;
  }

  function keyOf(form) {
    var forms = Array.prototype.filter.call(document.querySelectorAll("main form"), draftable);
    var names = fields(form).map(function (el) { return el.name; }).join(",");
    return PREFIX + location.pathname + location.search + "#" + forms.indexOf(form) + ":" + names;
  }

  function read(form) {
    var data = {};
    fields(form).forEach(function (el) {
      var list = data[el.name] || (data[el.name] = []);
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) list.push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { list.push(o.value); });
      } else {
        list.push(el.value);
      }
    });
    return data;
  }

  function write(form, data) {
    var seen = {};
    fields(form).forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(data, el.name)) return;
      var values = data[el.name];
      var before = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
      } else {
        var i = seen[el.name] || 0;
        seen[el.name] = i + 1;
        if (i < values.length) el.value = values[i];
      }
      var after = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
      if (before !== after) el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function notice(form, key) {
    var body = document.body;
    var box = document.createElement("div");
    box.className = "message draft-restored";
    box.setAttribute("role", "status");
    box.setAttribute("data-testid", "draft-restored");
    var text = document.createElement("span");
    text.textContent = body.getAttribute("data-draft-restored") + " ";
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "link-button";
    clear.textContent = body.getAttribute("data-draft-clear");
    clear.addEventListener("click", function () {
      store.removeItem(key);
      form.reset();
      box.remove();
    });
    box.appendChild(text);
    box.appendChild(clear);
    form.insertBefore(box, form.firstChild);
  }

  function save(event) {
    var form = event.target.form;
    if (!draftable(form)) return;
    try {
      store.setItem(keyOf(form), JSON.stringify(read(form)));
    } catch (e) {
      /* storage full: the form still works, it just is not kept */
    }
  }

  document.addEventListener("input", save);
  document.addEventListener("change", save);
  document.addEventListener("submit", function (event) {
    if (draftable(event.target)) store.removeItem(keyOf(event.target));
  });

  function restore() {
    Array.prototype.filter.call(document.querySelectorAll("main form"), draftable).forEach(function (form) {
      var key = keyOf(form);
      var saved = store.getItem(key);
      if (!saved) return;
      var data;
      try {
        data = JSON.parse(saved);
      } catch (e) {
        store.removeItem(key);
        return;
      }
      var now = JSON.stringify(read(form));
      write(form, data);
      if (JSON.stringify(read(form)) !== now) notice(form, key);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
