// The log viewer's live tail: new records (SSE) go on top of the table while the reader is at the
// top; once they scroll down (or press Pause) new records are counted instead, so the rows they
// are reading do not move. Resume reloads the results with what arrived meanwhile.
(function () {
  "use strict";
  var paused = false, manual = false, missed = 0;

  function els() {
    return {
      rows: document.getElementById("log-rows"),
      status: document.getElementById("log-tail-status"),
      toggle: document.getElementById("log-tail-toggle"),
    };
  }

  function show() {
    var e = els();
    if (!e.status || !e.toggle) return;
    e.toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    e.toggle.textContent = paused ? "Resume" : "Pause";
    e.status.textContent = paused
      ? "Paused" + (missed ? ": " + missed + " new record" + (missed === 1 ? "" : "s") + " waiting." : ".")
      : "Live: new records appear at the top.";
    document.body.classList.toggle("log-paused", paused);
  }

  function atTop() {
    var e = els();
    if (!e.rows) return true;
    var table = e.rows.closest("table");
    return table.getBoundingClientRect().top > -40;
  }

  function resume() {
    var had = missed;
    paused = false;
    manual = false;
    missed = 0;
    show();
    if (had && window.htmx) {
      // Reload the results as they are now (the live stream reconnects with them).
      htmx.ajax("GET", location.pathname + location.search, {
        target: "#log-results",
        select: "#log-results",
        swap: "outerHTML",
      });
    }
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    if (!evt.target || evt.target.id !== "log-rows") return;
    if (paused) {
      evt.preventDefault();
      var n = (evt.detail && evt.detail.data || "").split("<tr").length - 1;
      missed += Math.max(n, 1);
      show();
    }
  });

  window.addEventListener("scroll", function () {
    if (!document.getElementById("log-rows") || manual) return;
    var top = atTop();
    if (!top && !paused) {
      paused = true;
      show();
    } else if (top && paused) {
      resume();
    }
  }, { passive: true });

  document.addEventListener("click", function (evt) {
    var t = evt.target.closest && evt.target.closest("#log-tail-toggle");
    if (!t) return;
    if (paused) resume();
    else {
      paused = true;
      manual = true;
      show();
    }
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.target && evt.target.id === "log-results") {
      missed = 0;
      show();
    }
  });
  // Empty filter fields stay out of the URL (it is pushed to the address bar and shared).
  document.addEventListener("htmx:configRequest", function (evt) {
    if (!evt.detail.elt || evt.detail.elt.id !== "log-filters") return;
    var p = evt.detail.parameters;
    Object.keys(p).forEach(function (k) {
      if (p[k] === "") delete p[k];
    });
  });
  document.addEventListener("DOMContentLoaded", show);
})();
