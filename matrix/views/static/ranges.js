/* The version ranges of matrix/index.html: under each pattern, the table of matrix/README.md (rows
   variant x start method, columns OS x implementation), built from the blob's "ranges" (made by
   matrix.tables.statement_parts at render time: only looked up here). */
(function () {
  "use strict";
  var DATA = window.MATRIX_DATA || JSON.parse(document.getElementById("matrix-data").textContent);
  var R = DATA.ranges, S = DATA.s;
  var ICONS = Object.keys(DATA.look).map(function (o) { return [DATA.look[o][2], o]; }); /* emoji -> outcome */
  var ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"};
  function esc(text) { return String(text).replace(/[&<>"]/g, function (c) { return ENTITY[c]; }); }
  function outcomeClass(text) {
    var found = ICONS.filter(function (pair) { return text.indexOf(pair[0]) >= 0; });
    return found.length === 1 ? "o-" + found[0][1] : "o-mixed";
  }
  function famClass(fam) {
    return "fos-" + fam[3] + " fk-" + (fam[2] ? "measured" : "expected");
  }
  function cellHtml(cell) {
    var parts = cell[0].map(function (p) {
      var link = p.length > 3 && p[3] !== null ? " <a class=\"chg\" href=\"" + esc(DATA.cite[p[3]]) +
        "\" title=\"why the outcome moved here\">\u2190 why</a>" : "";
      return "<span class=\"sp " + outcomeClass(S[p[1]]) + (p[0] ? " exp" : "") + "\">" + esc(S[p[1]]) + " " +
        esc(S[p[2]]) + "</span>" + link;
    });
    var cites = cell[1].map(function (c, n) {
      return "<sup><a href=\"" + esc(DATA.cite[c]) + "\" title=\"" + esc(DATA.cite[c]) + "\">[" + (n + 1) + "]</a></sup>";
    });
    return (parts.length ? parts.join(" \u00b7 ") : "\u2014") + cites.join("");
  }
  function build(table) {
    var pattern = table.getAttribute("data-pattern"), html = [];
    html.push("<thead><tr><th scope=\"col\">Variant</th><th scope=\"col\">Start method</th>");
    R.fams.forEach(function (fam) {
      html.push("<th scope=\"col\" class=\"" + famClass(fam) + (fam[2] ? "" : " exp") + "\">" + esc(fam[1]) +
        (fam[2] ? "" : " (expected)") + "</th>");
    });
    html.push("</tr></thead><tbody>");
    DATA.rows.forEach(function (row, r) {
      if (row[0] !== pattern) { return; }
      html.push("<tr class=\"rrow sm-" + row[2] + " var-" + row[1] + "\" data-variant=\"" + row[1] +
        "\" data-method=\"" + row[2] + "\"><th scope=\"row\"><code>" + row[1] + "</code></th><th scope=\"row\">" +
        row[2] + "</th>");
      R.fams.forEach(function (fam, f) {
        html.push("<td class=\"" + famClass(fam) + "\" data-family=\"" + fam[0] + "\">" + cellHtml(R.cells[r][f]) + "</td>");
      });
      html.push("</tr>");
    });
    html.push("</tbody>");
    table.innerHTML = html.join("");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.rg"), build);
  document.documentElement.setAttribute("data-ranges", "1");
})();
