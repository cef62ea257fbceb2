/* The per-platform tables of matrix/index.html: built from the page's one data blob (its layout is
   described in matrix/views/page_data.py), filtered by the checkboxes, and a cell's details shown
   on a click. Only looks facts up: every text comes from the blob. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("matrix-data").textContent);
  window.MATRIX_DATA = DATA; /* picker.js reads the same blob */
  var S = DATA.s;
  var LOOK = DATA.look; /* outcome -> [symbol, word, emoji] (matrix/symptom.py) */
  var NOT_OFFERED = -1, NO_RECORD = -2, NO_EXPECTATION = -3;
  var ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"};

  function str(i) { return i === null || i === undefined ? null : S[i]; }
  function esc(text) { return String(text).replace(/[&<>"]/g, function (c) { return ENTITY[c]; }); }
  function short(exc) { return exc ? exc.replace(/^builtins\./, "") : ""; }
  function word(o) { return LOOK[o][0] + " " + LOOK[o][1]; }

  function ruleOf(i) {
    if (i === null || i === undefined) { return null; }
    var r = DATA.rules[i];
    return {outcomes: r[0].map(function (o) { return DATA.out[o]; }), note: str(r[1]), exception: str(r[2]),
      message: str(r[3]), cite: DATA.cite[r[4]], cause: str(r[5]), causeShown: str(r[6]), causeMessage: str(r[7])};
  }

  /* One cell, decoded: what it is ("na", "missing", "noexp", "measured", "expected") and its fields. */
  function cell(r, c) {
    var v = DATA.cells[r][c], kind = DATA.cols[c][4];
    if (v[0] === NOT_OFFERED) { return {state: "na"}; }
    if (v[0] === NO_RECORD) { return {state: "missing"}; }
    if (v[0] === NO_EXPECTATION) { return {state: "noexp"}; }
    if (kind === "expected") {
      var rule = ruleOf(v[1]);
      return {state: "expected", outcome: DATA.out[v[0]], rule: rule, resolved: str(v[2]),
        exception: rule.exception, causeShown: rule.causeShown, warnings: []};
    }
    return {state: "measured", outcome: DATA.out[v[0]], exit: v[1], detection: str(v[2]), attempts: v[3],
      rule: ruleOf(v[4]), resolved: str(v[5]), exception: str(v[6]), message: str(v[7]), cause: str(v[8]),
      causeShown: str(v[9]), warnings: (v[10] || []).map(str), contra: str(v[11]), measure: str(v[12])};
  }

  function cellClass(d) {
    if (d.state === "na") { return "o-na"; }
    if (d.state === "missing") { return "o-missing"; }
    if (d.state === "noexp") { return "o-missing exp"; }
    return "o-" + d.outcome + (d.state === "expected" ? " exp" : "") + (d.contra ? " contra" : "");
  }

  function cellHtml(d) {
    if (d.state === "na") { return "<span class=\"ow\">\u2014 not offered</span>"; }
    if (d.state === "missing") { return "<span class=\"ow\">\u00b7 no record</span>"; }
    if (d.state === "noexp") {
      return "<span class=\"ow\">? no expectation</span><span class=\"tag\">expected</span>";
    }
    var out = ["<span class=\"ow\">" + word(d.outcome) + "</span>"];
    if (d.state === "expected" && d.rule.outcomes.length > 1) {
      out.push("<span class=\"ow\">or " + d.rule.outcomes.slice(1).map(word).join(" or ") + "</span>");
    }
    if (d.exception) { out.push("<span class=\"ex\">" + esc(short(d.exception)) + "</span>"); }
    if (d.causeShown) { out.push("<span class=\"cause\">\u00b7 cause " + esc(d.causeShown) + "</span>"); }
    if (d.warnings.length) { out.push("<span class=\"warn\">\u26a0 warnings</span>"); }
    if (d.state === "expected") { out.push("<span class=\"tag\">expected</span>"); }
    return out.join("");
  }

  /* The hover text: the cell's main facts in plain text (the details panel has them all). */
  function hover(d, head, method) {
    var lines = [head];
    if (d.state === "na") { lines.push("not offered: " + method + " does not exist on this platform"); }
    if (d.state === "missing") { lines.push("no record yet"); }
    if (d.state === "noexp") { lines.push("expected, not measured: no documented expectation"); }
    if (d.state === "measured") {
      lines.push("measured: " + d.outcome);
      if (d.exception) { lines.push("exception (the parent's): " + d.exception); }
      if (d.cause) { lines.push("cause (a child's): " + d.cause); }
      if (d.message) { lines.push("message: " + d.message); }
      if (d.warnings.length) { lines.push("warnings: " + d.warnings.join("; ")); }
      if (d.measure) { lines.push("measure: " + d.measure); }
      if (d.contra) { lines.push("contradicts the documentation: " + d.contra); }
    }
    if (d.state === "expected") {
      lines.push("expected, not measured: " + d.rule.outcomes.join(" or "));
      if (d.exception) { lines.push("exception: " + d.exception); }
      if (d.rule.message) { lines.push("message contains: " + d.rule.message); }
      if (d.rule.cause) {
        lines.push("cause (a child's): " + d.rule.cause + (d.rule.causeMessage ? ": \u2026" + d.rule.causeMessage + "\u2026" : ""));
      }
      lines.push("why: " + d.rule.note);
    }
    if (d.rule) { lines.push("citation: " + d.rule.cite); }
    return lines.join("\n");
  }

  function head(r, c) {
    var row = DATA.rows[r];
    return DATA.cols[c][1] + " \u00b7 " + row[0] + " / " + row[1] + " / " + row[2];
  }

  function buildTable(table) {
    var pattern = table.getAttribute("data-pattern"), html = [], previous = "";
    html.push("<thead><tr><th scope=\"col\" class=\"rh1\">Variant</th><th scope=\"col\" class=\"rh2\">Start method</th>");
    DATA.cols.forEach(function (col) {
      html.push("<th scope=\"col\" class=\"col col-" + col[0] + (col[4] === "expected" ? " exp" : "") +
        "\" data-col=\"" + col[0] + "\">" + esc(col[1]) + "<span class=\"sub\">" + esc(col[2]) + "</span></th>");
    });
    html.push("</tr></thead><tbody>");
    DATA.rows.forEach(function (row, r) {
      if (row[0] !== pattern) { return; }
      var variant = row[1], method = row[2];
      html.push("<tr class=\"row sm-" + method + " var-" + variant + (variant !== previous ? " first" : "") +
        "\" data-variant=\"" + variant + "\" data-method=\"" + method + "\"><th scope=\"row\" class=\"rh1\"><code>" +
        variant + "</code></th><th scope=\"row\" class=\"rh2\">" + method + "</th>");
      previous = variant;
      DATA.cols.forEach(function (col, c) {
        var d = cell(r, c);
        html.push("<td class=\"col col-" + col[0] + " " + cellClass(d) + "\"><button type=\"button\" class=\"cb\" " +
          "data-cell=\"" + esc(row.join("/") + "/" + col[0]) + "\" data-r=\"" + r + "\" data-c=\"" + c +
          "\" title=\"" + esc(hover(d, head(r, c), method)) + "\">" + cellHtml(d) + "</button></td>");
      });
      html.push("</tr>");
    });
    html.push("</tbody>");
    table.innerHTML = html.join("");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.m"), buildTable);

  /* ---- filters: a generated style sheet hides the unchecked columns, rows and sections ---- */
  var style = document.getElementById("filter-style");
  var status = document.getElementById("filter-status");
  function boxes(kind) {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-filter=\"" + kind + "\"]"));
  }
  function state(kind) {
    var out = {};
    boxes(kind).forEach(function (i) { out[i.value] = i.checked; });
    return out;
  }
  function apply() {
    var os = state("os"), kind = state("kind"), hide = [], cols = boxes("col"), shownCols = 0;
    cols.forEach(function (i) {
      if (i.checked && os[i.getAttribute("data-os")] && kind[i.getAttribute("data-kind")]) { shownCols++; }
      else { hide.push(".col-" + i.value); }
    });
    /* the version ranges' columns (ranges.js): OS x implementation, measured or expected */
    Object.keys(os).forEach(function (k) { if (!os[k]) { hide.push(".fos-" + k); } });
    Object.keys(kind).forEach(function (k) { if (!kind[k]) { hide.push(".fk-" + k); } });
    [["method", "sm-"], ["variant", "var-"], ["pattern", "pat-"]].forEach(function (pair) {
      var s = state(pair[0]);
      Object.keys(s).forEach(function (k) { if (!s[k]) { hide.push("." + pair[1] + k); } });
    });
    style.textContent = hide.length ? hide.join(",\n") + " {display: none !important}" : "";
    var rows = 0, total = 0, pats = 0;
    Array.prototype.forEach.call(document.querySelectorAll("section.pattern"), function (sec) {
      var visible = 0;
      Array.prototype.forEach.call(sec.querySelectorAll("tr.row"), function (tr) {
        total++;
        if (tr.offsetParent !== null) { visible++; }
      });
      if (sec.offsetParent !== null) { pats++; rows += visible; }
      sec.querySelector(".empty").hidden = visible !== 0;
    });
    status.textContent = "Showing " + shownCols + " of " + cols.length + " platforms, " + rows + " of " +
      total + " rows, " + pats + " of " + boxes("pattern").length + " patterns.";
    status.setAttribute("data-rows", String(rows));
    status.setAttribute("data-cols", String(shownCols));
  }
  var form = document.getElementById("filters");
  form.addEventListener("change", apply);
  form.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) { return; }
    if (b.id === "reset") {
      document.querySelectorAll("input[data-filter]").forEach(function (i) { i.checked = true; });
    } else if (b.hasAttribute("data-set")) {
      var on = b.getAttribute("data-to") === "1";
      boxes(b.getAttribute("data-set")).forEach(function (i) { i.checked = on; });
    }
    apply();
  });

  /* ---- the details panel ---- */
  var panel = document.getElementById("details");
  var selected = null;
  function details(r, c) {
    var d = cell(r, c), row = DATA.rows[r], col = DATA.cols[c], rule = d.rule || null;
    var rows = [["Platform", col[1] + " \u2014 " + str(col[5])],
      ["Cell", row[0] + " / " + row[1] + " / start method " + row[2] + (d.resolved ? " (resolved: " + d.resolved + ")" : "")]];
    var kind = col[4];
    if (d.state === "na") {
      kind = "not offered";
      rows.push(["Start method", row[2] + " is not offered on this platform"]);
    }
    if (d.state === "missing") { rows.push(["Outcome", "no record (not measured yet)"]); }
    if (d.state === "noexp") { rows.push(["Expected", "no documented expectation"]); }
    if (d.state === "expected") {
      rows.push(["Outcome", rule.outcomes.join(" or ") + " (expected, not measured)"]);
      if (rule.exception) { rows.push(["Exception", rule.exception]); }
      if (rule.message) { rows.push(["Message contains", rule.message]); }
      if (rule.cause) { rows.push(["Cause", rule.cause + " (a child's)"]); }
      rows.push(["Why", rule.note]);
    }
    if (d.state === "measured") {
      rows.push(["Outcome", d.outcome + " (measured)"]);
      if (d.exception) { rows.push(["Exception", d.exception + " (the parent's)"]); }
      if (d.message) { rows.push(["Message", d.message]); }
      if (d.cause) { rows.push(["Cause", d.cause + " (a child's)"]); }
      rows.push(["Decided by", d.detection]);
      if (d.warnings.length) { rows.push(["Warnings", d.warnings.join("\n")]); }
      if (d.measure) { rows.push(["Measure", d.measure]); }
      rows.push(["Exit code", d.exit === null ? "none (ended by the runner)" : String(d.exit)]);
      if (d.attempts > 1) { rows.push(["Attempts", d.attempts + " (a hang confirmed by a re-run)"]); }
      if (rule) {
        rows.push(["Documented", rule.outcomes.join(" or ") + ": " + rule.note +
          (rule.message ? " (message contains \u201c" + rule.message + "\u201d)" : "") +
          (d.contra ? "; the measurement CONTRADICTS it: " + d.contra : "; the measurement agrees")]);
      }
    }
    return {h: head(r, c), k: kind, rows: rows, cite: rule ? rule.cite : null};
  }
  function show(button) {
    var d = details(Number(button.getAttribute("data-r")), Number(button.getAttribute("data-c")));
    if (selected) { selected.classList.remove("sel"); }
    selected = button.parentNode;
    selected.classList.add("sel");
    document.getElementById("details-title").textContent = d.h;
    var kind = document.getElementById("details-kind");
    kind.className = "kind " + (d.k === "expected" ? "expected" : "measured");
    kind.textContent = d.k === "expected" ? "expected, not measured" : d.k;
    var dl = document.getElementById("details-rows");
    dl.textContent = "";
    d.rows.forEach(function (pair) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = pair[0];
      dd.textContent = pair[1];
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    var cite = document.getElementById("details-cite");
    cite.hidden = !d.cite;
    if (d.cite) {
      var a = cite.querySelector("a");
      a.href = d.cite;
      a.textContent = d.cite;
    }
    panel.hidden = false;
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button.cb");
    if (b) { show(b); }
  });
  function close() {
    panel.hidden = true;
    if (selected) { selected.classList.remove("sel"); selected = null; }
  }
  document.getElementById("details-close").addEventListener("click", close);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
  apply();
  document.documentElement.setAttribute("data-tables", "1");
})();
