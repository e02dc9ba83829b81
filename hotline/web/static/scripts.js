// /admin/scripts: check and save the draft, poll its transcript tests, run the simulator.
// Plain JavaScript, no library. Without it the page still edits and publishes (a form).
(function () {
  "use strict";
  var bench = document.getElementById("workbench");
  if (!bench) { return; }
  var text = document.getElementById("text");
  var file = document.getElementById("file").value;
  var lint = document.getElementById("lint");
  var tests = document.getElementById("tests");
  var log = document.getElementById("sim-log");
  var channel = document.getElementById("sim-channel");
  var language = document.getElementById("sim-language");
  var session = null;

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": bench.dataset.csrf},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {error: "HTTP " + response.status}; });
    });
  }

  function goToLine(line) {
    if (!line) { return; }
    var lines = text.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    text.focus();
    text.setSelectionRange(start, start + (lines[line - 1] || "").length);
    text.scrollTop = Math.max(0, (line - 5) * 19);
  }

  function showProblems(data) {
    lint.textContent = "";
    if (data.error) { lint.appendChild(el("p", "bad", data.error)); return; }
    var summary = (data.summary ? data.summary + " · " : "") + data.errors + " error(s), " +
      data.warnings + " warning(s)";
    lint.appendChild(el("p", data.errors ? "bad" : "good",
      data.errors ? summary : summary + ": " + (data.publishable || "") + " can be published"));
    var list = el("ul", "problems");
    data.problems.forEach(function (p) {
      var item = el("li", p.severity);
      var link = el("a");
      link.href = "#text";
      link.dataset.line = p.line;
      link.appendChild(el("strong", "", p.node || p.file || "script"));
      if (p.line) { link.appendChild(document.createTextNode(" (line " + p.line + ")")); }
      item.appendChild(link);
      item.appendChild(document.createTextNode(": "));
      if (p.korean) {
        var ko = el("span", "ko", p.korean);
        ko.lang = "ko";
        item.appendChild(ko);
        item.appendChild(document.createTextNode(" "));
      }
      item.appendChild(document.createTextNode(p.message));
      if (p.severity !== "error") {
        item.appendChild(document.createTextNode(" "));
        item.appendChild(el("span", "tag", (p.severity_name ? p.severity_name + " " : "") + "warning"));
      }
      list.appendChild(item);
    });
    lint.appendChild(list);
  }

  lint.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-line]");
    if (link) { event.preventDefault(); goToLine(parseInt(link.dataset.line, 10)); }
  });

  document.getElementById("check").addEventListener("click", function () {
    lint.textContent = "Checking… 검사 중";
    post(bench.dataset.check, {file: file, text: text.value}).then(showProblems);
  });

  function showTests(data) {
    tests.textContent = "";
    if (data.status !== "done") {
      tests.appendChild(el("p", "muted",
        "Transcript tests are running… 대화 시험 중 (a worker runs them)"));
      return false;
    }
    tests.appendChild(el("p", data.failed ? "bad" : "good", "Transcript tests: " +
      data.passed + " passed, " + data.failed + " failed"));
    var list = el("ul", "problems");
    data.results.forEach(function (r) {
      if (r.passed) { return; }
      var item = el("li", "error");
      var details = el("details");
      details.appendChild(el("summary", "", r.file + ": " + r.name));
      r.failures.forEach(function (f) { details.appendChild(el("div", "failure", f)); });
      item.appendChild(details);
      list.appendChild(item);
    });
    tests.appendChild(list);
    return true;
  }

  function poll(url, tries) {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (data) {
        if (!showTests(data) && tries > 0) {
          setTimeout(function () { poll(url, tries - 1); }, 2000);
        }
      });
  }

  document.getElementById("save").addEventListener("click", function () {
    lint.textContent = "Saving… 저장 중";
    post(bench.dataset.draft, {file: file, text: text.value}).then(function (data) {
      showProblems(data);
      if (data.tests_url) { tests.textContent = ""; poll(data.tests_url, 300); }
    });
  });

  // --- the phone simulator ---------------------------------------------------------------

  function bubble(who, content, meta) {
    var node = el("div", "bubble " + who, content);
    if (meta) { node.appendChild(el("span", "meta", meta)); }
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
  }

  function note(content, bad) {
    log.appendChild(el("div", bad ? "note bad" : "note", content));
    log.scrollTop = log.scrollHeight;
  }

  function turn(action, value, shown) {
    if (shown) { bubble("caller", shown); }
    post(bench.dataset.simulate, {
      file: file, text: text.value, channel: channel.value, language: language.value,
      action: action, value: value || "", session: action === "start" ? null : session
    }).then(function (data) {
      if (data.error) { note(data.error, true); return; }
      if (data.problems && data.problems.length) {
        note("The draft does not load: " + data.problems.map(function (p) {
          return (p.node || p.file) + ": " + p.message;
        }).join("; "), true);
        return;
      }
      session = data.session;
      (data.notes || []).forEach(function (n) { note(n); });
      if (data.channel === "sms") {
        data.messages.forEach(function (m) {
          bubble("hotline", m.text, m.segments + " segment(s), " + m.encoding);
        });
      } else {
        data.spoken.forEach(function (s) { bubble("hotline", s); });
        var details = el("details", "twiml");
        details.appendChild(el("summary", "note", "TwiML"));
        details.appendChild(el("pre", "", data.twiml));
        log.appendChild(details);
      }
      if (data.ended) { note(data.channel === "voice" ? "The call ended. 통화 끝" :
        "The conversation ended. 대화 끝"); session = null; }
    });
  }

  function restart() { session = null; log.textContent = ""; }

  channel.addEventListener("change", function () {
    var voice = channel.value === "voice";
    document.getElementById("sim-sms").hidden = voice;
    document.getElementById("sim-voice").hidden = !voice;
    restart();
  });
  language.addEventListener("change", restart);
  document.getElementById("sim-restart").addEventListener("click", restart);

  var smsText = document.getElementById("sim-text");
  function sendSms() {
    var value = smsText.value;
    if (!value.trim()) { return; }
    smsText.value = "";
    turn(session ? "send" : "start", value, value);
  }
  document.getElementById("sim-send").addEventListener("click", sendSms);
  smsText.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); sendSms(); }
  });

  document.getElementById("sim-call").addEventListener("click", function () {
    restart(); note("Calling… 전화 거는 중"); turn("start", "");
  });
  var keys = document.getElementById("sim-keys");
  document.getElementById("sim-press").addEventListener("click", function () {
    var value = keys.value.trim();
    keys.value = "";
    if (value) { turn("press", value, "☎ " + value); }
  });
  var say = document.getElementById("sim-say");
  document.getElementById("sim-speak").addEventListener("click", function () {
    var value = say.value.trim();
    say.value = "";
    if (value) { turn("say", value, "🗣 " + value); }
  });
  document.getElementById("sim-silence").addEventListener("click", function () {
    turn("silence", "", "(silence)");
  });
}());
