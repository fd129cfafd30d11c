// aisync's only hand-written browser script: toasts, browser notifications (opt-in), local times,
// and a reload when the event stream says events were missed. Everything else is htmx.
(function () {
  "use strict";
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      if (t.dataset.local) return;
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) {
        t.textContent = d.toLocaleString();
        t.dataset.local = "1";
      }
    });
  }
  function dismissLater(toast) {
    setTimeout(function () { toast.remove(); }, 10000);
  }
  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  document.addEventListener("htmx:afterSwap", function (e) { localTimes(e.target); });
  document.addEventListener("htmx:sseMessage", function (e) {
    var type = e.detail && e.detail.type;
    if (type === "reload") {
      location.reload();
      return;
    }
    if (type !== "toast") return;
    var toast = document.querySelector("#toasts .toast");
    if (!toast || toast.dataset.seen) return;
    toast.dataset.seen = "1";
    dismissLater(toast);
    if (toast.dataset.browser === "1" && "Notification" in window && Notification.permission === "granted") {
      try {
        new Notification(toast.dataset.title || "aisync", { body: toast.dataset.body || "", tag: toast.id });
      } catch (_) { /* some browsers only allow notifications from a service worker */ }
    }
  });
  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest("[data-dismiss]");
    if (close) close.closest(".toast").remove();
    var ask = e.target.closest && e.target.closest("[data-ask-notifications]");
    if (ask && "Notification" in window) {
      Notification.requestPermission().then(function (p) {
        var out = document.getElementById("browser-permission");
        if (out) out.textContent = p;
      });
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var out = document.getElementById("browser-permission");
    if (out) out.textContent = "Notification" in window ? Notification.permission : "not supported";
  });
})();
