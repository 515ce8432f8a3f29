/* Print buttons (templates/_print_button.html). They are rendered hidden and shown here only
   where printing works: not without scripts, and not in in-app browsers that have no print
   function (WeChat and WeCom, DingTalk, Alipay), where a button would do nothing. */
(function () {
  "use strict";

  if (window.sanxianPrintReady) {
    return; // the partial may be included more than once on a page
  }
  window.sanxianPrintReady = true;

  var NO_PRINT = /MicroMessenger|wxwork|DingTalk|AlipayClient/i;
  if (typeof window.print !== "function" || NO_PRINT.test(navigator.userAgent || "")) {
    return;
  }

  function show() {
    document.querySelectorAll("[data-print-action]").forEach(function (el) {
      el.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();
