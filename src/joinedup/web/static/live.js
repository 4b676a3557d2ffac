// Live regions: an element with data-live-topic refreshes itself from its page when the
// server-sent event stream reports a change on that topic. One stream per page, at most one
// refresh a second, and the browser reconnects (with Last-Event-ID) by itself.
(function () {
  "use strict";
  var regions = document.querySelectorAll("[data-live-topic]");
  if (!regions.length || !window.EventSource) { return; }
  var topics = {};
  // A region may name several topics, separated by spaces (e.g. capacity and referral events).
  function topicsOf(el) { return el.getAttribute("data-live-topic").split(/\s+/).filter(Boolean); }
  regions.forEach(function (el) { topicsOf(el).forEach(function (t) { topics[t] = true; }); });
  var query = Object.keys(topics).map(function (t) { return "topic=" + encodeURIComponent(t); }).join("&");
  var source = new EventSource("/api/v1/events?" + query);
  var pending = {};

  function refresh(el) {
    if (!el.id) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(el.id);
        if (fresh) {
          el.innerHTML = fresh.innerHTML;
          el.setAttribute("data-live-updated", String(Date.now()));
        }
      });
  }

  source.onmessage = null;
  Object.keys(topics).forEach(function (topic) {
    source.addEventListener(topic, function () {
      regions.forEach(function (el) {
        if (topicsOf(el).indexOf(topic) < 0 || pending[el.id]) { return; }
        pending[el.id] = setTimeout(function () { delete pending[el.id]; refresh(el); }, 1000);
      });
    });
  });
  source.addEventListener("ready", function () { document.body.setAttribute("data-live-ready", "1"); });
})();
