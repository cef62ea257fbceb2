/* The platform picker of matrix/index.html: OS x implementation x Python version x start method.
   Every answer was made by "python -m matrix why" (matrix/why.py, in matrix/views/page_data.py) and
   is only looked up here: DATA.pick.ans["family|version|method"]. */
(function () {
  "use strict";
  var DATA = window.MATRIX_DATA || JSON.parse(document.getElementById("matrix-data").textContent);
  var P = DATA.pick, S = DATA.s;
  var OS = {linux: "Linux", darwin: "macOS", win32: "Windows"};
  var IMPL = {cpython: "CPython", pypy: "PyPy"};
  var ICONS = Object.keys(DATA.look).map(function (o) { return [DATA.look[o][2], o]; }); /* emoji -> outcome */
  var ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"};
  var select = {};
  ["os", "impl", "version", "method"].forEach(function (k) { select[k] = document.getElementById("pick-" + k); });
  var answer = document.getElementById("answer");
  var FAM = {id: 0, label: 1, os: 2, impl: 3, ft: 4, versions: 5, methods: 6, newest: 7};

  function esc(text) { return String(text).replace(/[&<>"]/g, function (c) { return ENTITY[c]; }); }
  /* <https://...> in an answer line becomes a link; the text (brackets too) stays as "why" prints it. */
  function linked(text) {
    return esc(text).replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, "&lt;<a href=\"$1\">$1</a>&gt;");
  }
  /* Options [value, text]; selects "wanted" if offered, else "fallback", else the first. */
  function fill(el, items, wanted, fallback) {
    el.textContent = "";
    items.forEach(function (item) {
      var o = document.createElement("option");
      o.value = item[0];
      o.textContent = item[1];
      el.appendChild(o);
    });
    var values = items.map(function (i) { return i[0]; });
    el.value = values.indexOf(wanted) >= 0 ? wanted : values.indexOf(fallback) >= 0 ? fallback : values[0];
  }
  function family() {
    return P.fams.filter(function (f) { return f[FAM.id] === select.impl.value; })[0];
  }
  /* The OS the browser runs on, when the data has it: a sensible first answer. */
  function guessOs() {
    var ua = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
    return /mac/i.test(ua) ? "darwin" : /win/i.test(ua) ? "win32" : "linux";
  }
  function fillOs() {
    var seen = [];
    P.fams.forEach(function (f) { if (seen.indexOf(f[FAM.os]) < 0) { seen.push(f[FAM.os]); } });
    fill(select.os, seen.map(function (o) { return [o, OS[o] || o]; }), guessOs(), "linux");
  }
  function fillImpl() {
    var fams = P.fams.filter(function (f) { return f[FAM.os] === select.os.value; });
    var plain = fams.filter(function (f) { return f[FAM.impl] === "cpython" && !f[FAM.ft]; })[0] || fams[0];
    fill(select.impl, fams.map(function (f) {
      return [f[FAM.id], (IMPL[f[FAM.impl]] || f[FAM.impl]) + (f[FAM.ft] ? " free-threaded" : "")];
    }), select.impl.value, plain[FAM.id]);
  }
  /* A family's versions and start methods, keeping the chosen ones where the family has them. */
  function fillVersion() {
    var f = family();
    fill(select.version, f[FAM.versions], select.version.value, f[FAM.newest]);
    fill(select.method, f[FAM.methods].map(function (m) { return [m, m]; }), select.method.value, "default");
  }
  /* The colour of an answer line: its outcome's, when the line has one ("why" starts each span with
     the outcome's icon; "—" is its "not measured or not offered here"). */
  function outcomeClass(text) {
    if (text.charAt(0) === "\u2014") { return "o-na"; }
    var found = ICONS.filter(function (pair) { return text.indexOf(pair[0]) >= 0; });
    return found.length === 1 ? "o-" + found[0][1] : "o-mixed";
  }
  function whyCommand(f) {
    return "python3 -m matrix why --all --os " + f[FAM.os] + " --implementation " + f[FAM.impl] + " --python " +
      select.version.value + (f[FAM.ft] ? "t" : "") + " --start-method " + select.method.value;
  }
  function show() {
    var f = family(), key = f[FAM.id] + "|" + select.version.value + "|" + select.method.value;
    var a = P.ans[key], html = [];
    answer.setAttribute("data-key", key);
    html.push("<p class=\"plat\">" + esc(S[a[0]]) + "</p><p class=\"whycmd\">The same answer offline: <code>" +
      esc(whyCommand(f)) + "</code></p><div class=\"cards\">");
    P.pats.forEach(function (pat, i) {
      var entry = a[1][i], pattern = pat[0];
      html.push("<article class=\"card\" data-pattern=\"" + esc(pattern) + "\"><h3><a href=\"#" + esc(pattern) +
        "\"><code>" + esc(pattern) + "</code></a> " + esc(pat[1]) + "</h3><ul>");
      pat[2].forEach(function (variant, j) {
        var text = S[entry[0][j]];
        html.push("<li class=\"" + outcomeClass(text) + "\" data-variant=\"" + esc(variant) + "\"><span class=\"v\">" +
          esc(variant) + "</span> <span class=\"t\">" + linked(text) + "</span></li>");
      });
      html.push("</ul>");
      if (entry[1] !== null) {
        html.push("<div class=\"cmd\"><code class=\"copy\">" + esc(S[entry[1]] + " > snippet.py && python3 snippet.py") +
          "</code><button type=\"button\" class=\"copybtn\">Copy</button></div>");
        if (!entry[2]) {
          html.push("<p class=\"caveat\">The vetted form does not pass everywhere here: see the line above.</p>");
        }
      }
      if (entry[3] !== null) { html.push("<p class=\"remedy\">Remedy: " + esc(S[entry[3]]) + "</p>"); }
      html.push("</article>");
    });
    html.push("</div>");
    answer.innerHTML = html.join("");
  }
  function copy(button) {
    var code = button.parentNode.querySelector("code");
    var done = function () { button.textContent = "Copied"; };
    var range = document.createRange();
    range.selectNodeContents(code);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.textContent).then(done, function () { button.textContent = "Selected"; });
    } else {
      button.textContent = document.execCommand("copy") ? "Copied" : "Selected";
    }
  }
  select.os.addEventListener("change", function () { fillImpl(); fillVersion(); show(); });
  select.impl.addEventListener("change", function () { fillVersion(); show(); });
  select.version.addEventListener("change", show);
  select.method.addEventListener("change", show);
  answer.addEventListener("click", function (e) {
    var b = e.target.closest("button.copybtn");
    if (b) { copy(b); }
  });
  fillOs();
  fillImpl();
  fillVersion();
  show();
  document.documentElement.setAttribute("data-ready", "1");
})();
