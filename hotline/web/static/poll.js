// Refresh every element with data-poll="URL" from that URL every data-every seconds
// (default 5), without reloading the page. A failed fetch or a redirect (logged out)
// leaves the element as it is. Plain JS, no library.
(function () {
  document.querySelectorAll("[data-poll]").forEach(function (el) {
    var url = el.getAttribute("data-poll");
    var every = (parseFloat(el.getAttribute("data-every")) || 5) * 1000;
    var last = null;
    function tick() {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (!r.ok || r.redirected) { throw new Error("poll " + r.status); }
          return r.text();
        })
        .then(function (html) {
          var typing = el.contains(document.activeElement) &&
            /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
          if (html === last || typing) { return; }
          // Keep open what the reader opened (a case's timeline) across the refresh.
          var open = Array.prototype.map.call(el.querySelectorAll("details[open][id]"),
            function (d) { return d.id; });
          el.innerHTML = html;
          last = html;
          open.forEach(function (id) {
            var d = document.getElementById(id);
            if (d && el.contains(d)) { d.open = true; }
          });
        })
        .catch(function () {})
        .then(function () { setTimeout(tick, every); });
    }
    setTimeout(tick, every);
  });
})();
