#pragma once
// The report page's script and style (report_page.cpp), kept apart from the
// C++ that writes the page. The charts need neither: they are SVG whose
// <title> elements give hover text without JavaScript.

namespace kiln::report_html {

/// Sorts table.sortable by a clicked heading (aria-sort updated), shows a
/// hovered chart element's <title> under its chart, and with the URL
/// fragment #selftest sorts the table itself, hovers a dot, and writes what it found, and
/// any error window.onerror caught, into <pre id="selftest">.
inline constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var errors = [];
  window.onerror = function (message, source, line) {
    errors.push(String(message) + ' (line ' + line + ')');
  };
  function cellValue(row, col, numeric) {
    var v = row.cells[col].getAttribute('data-v') || '';
    return numeric ? parseFloat(v) || 0 : v.toLowerCase();
  }
  function sortBy(table, col, descending) {
    var th = table.tHead.rows[0].cells[col];
    var numeric = th.getAttribute('data-type') === 'num';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) {
      return r.cells.length > col;
    });
    rows.sort(function (a, b) {
      var x = cellValue(a, col, numeric), y = cellValue(b, col, numeric);
      var c = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      h.setAttribute('aria-sort', 'none');
    });
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  }
  document.querySelectorAll('table.sortable th button').forEach(function (button) {
    button.addEventListener('click', function () {
      var th = button.parentNode;
      var table = th.closest('table');
      var col = Array.prototype.indexOf.call(th.parentNode.cells, th);
      sortBy(table, col, th.getAttribute('aria-sort') === 'ascending');
    });
  });
  document.addEventListener('mouseover', function (e) {
    var el = e.target;
    if (!el.closest || !el.closest('svg')) return;
    var title = el.querySelector ? el.querySelector(':scope > title') : null;
    var figure = el.closest('figure');
    if (!title || !figure || el.tagName.toLowerCase() === 'svg') return;
    var out = figure.querySelector('.details');
    if (!out) {
      out = document.createElement('p');
      out.className = 'details';
      out.setAttribute('aria-live', 'polite');
      figure.appendChild(out);
    }
    out.textContent = title.textContent;
  });

  if (location.hash !== '#selftest') return;
  var result = {errors: errors};
  try {
    var table = document.getElementById('workloads');
    var speedupCol = 6;
    var buttons = table.tHead.querySelectorAll('button');
    function column(col) {
      return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
        return r.cells.length > col ? parseFloat(r.cells[col].getAttribute('data-v')) || 0 : null;
      }).filter(function (v) { return v !== null; });
    }
    function isSorted(values, descending) {
      for (var i = 1; i < values.length; ++i) {
        if (descending ? values[i - 1] < values[i] : values[i - 1] > values[i]) return false;
      }
      return true;
    }
    buttons[speedupCol].click();
    var ascending = column(speedupCol);
    result.ascending = isSorted(ascending, false) &&
        table.tHead.rows[0].cells[speedupCol].getAttribute('aria-sort') === 'ascending';
    buttons[speedupCol].click();
    var descending = column(speedupCol);
    result.descending = isSorted(descending, true) &&
        table.tHead.rows[0].cells[speedupCol].getAttribute('aria-sort') === 'descending';
    result.speedups = descending;
    result.first_op = table.tBodies[0].rows.length ?
        table.tBodies[0].rows[0].cells[0].textContent : '';
    result.rows = table.tBodies[0].rows.length;
    result.roofline_points = document.querySelectorAll('svg.roofline .pt').length;
    result.curve_points = Array.prototype.map.call(
        document.querySelectorAll('svg.curve'), function (svg) {
          return svg.querySelectorAll('circle.trial').length;
        });
    var dot = document.querySelector('svg.curve circle.trial');
    if (dot) {
      dot.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
      var details = dot.closest('figure').querySelector('.details');
      result.hover = !!details && details.textContent === dot.querySelector('title').textContent;
    }
  } catch (e) {
    errors.push(String(e));
  }
  result.ok = !!(result.ascending && result.descending && result.hover !== false &&
                 errors.length === 0);
  var pre = document.getElementById('selftest');
  pre.hidden = false;
  pre.textContent = 'selftest ' + (result.ok ? 'passed' : 'FAILED') + ' ' + JSON.stringify(result);
})();
)JS";

inline constexpr const char* kStyle = R"CSS(
body { font: 15px/1.45 system-ui, sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto;
       max-width: 1200px; padding: 0 16px 48px; }
a { color: #0b4f9c; }
h1 { margin-bottom: 0; } .meta { color: #444; margin-top: 4px; }
code, pre { font: 13px/1.35 ui-monospace, monospace; } .meta code { overflow-wrap: anywhere; }
pre.trace { background: #f4f5f7; border: 1px solid #ccd; padding: 8px; overflow: auto; max-height: 420px; }
svg { max-width: 100%; height: auto; font-size: 12px; }
figure.chart { margin: 8px 0; } figcaption, .note, .legend { color: #333; font-size: 13px; }
.curves { display: flex; flex-wrap: wrap; gap: 12px; } .curves figure { flex: 1 1 480px; }
.grid { stroke: #e2e4e8; } .frame { fill: none; stroke: #777; }
.tick { fill: #333; } .axis-title { fill: #1a1a1a; font-size: 13px; }
.roof { fill: none; stroke: #1a1a1a; stroke-width: 2; } .roof-label { fill: #1a1a1a; }
.pt-tuned { fill: #0b4f9c; } .pt-default { fill: #fff; stroke: #a84b00; stroke-width: 2; }
.pt-vendor { fill: #5a5a5a; } .pt-vendor-label { fill: #3a3a3a; }
.arrow { stroke: #555; stroke-width: 1.5; } .arrowhead { fill: #555; } .pt-label { fill: #1a1a1a; }
.best-so-far { fill: none; stroke: #1b6e35; stroke-width: 2; }
.default-line { stroke: #a84b00; stroke-dasharray: 6 4; stroke-width: 1.5; }
.best-line { stroke: #0b4f9c; stroke-dasharray: 2 3; stroke-width: 1.5; }
.line-label { font-size: 11px; } .default-line-label { fill: #a84b00; } .best-line-label { fill: #0b4f9c; }
circle.trial { fill-opacity: 0.8; } circle.src-confirm { fill: #fff; stroke-width: 2; }
circle.src-default { stroke: #1a1a1a; stroke-width: 1.5; }
table { border-collapse: collapse; margin: 8px 0; } caption { text-align: left; color: #333; }
th, td { border-bottom: 1px solid #d0d3d8; padding: 3px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: #1a1a1a; }
th[aria-sort=ascending] button::after { content: " \25B2"; }
th[aria-sort=descending] button::after { content: " \25BC"; }
.bar { display: inline-block; height: 10px; background: #0b4f9c; vertical-align: middle; }
.key { white-space: nowrap; margin-right: 10px; } .empty { color: #444; font-style: italic; }
.details { min-height: 1.4em; font-size: 13px; color: #1a1a1a; margin: 2px 0; }
section.workload { border-top: 2px solid #d0d3d8; margin-top: 24px; }
#selftest { background: #fff8e1; padding: 6px; }
@media print {
  body { max-width: none; font-size: 11pt; } nav, .details, #selftest { display: none; }
  a { color: inherit; text-decoration: none; } th button::after { content: ""; }
  section.workload { break-before: page; } figure.chart, table { break-inside: avoid; }
  pre.trace { max-height: none; overflow: visible; white-space: pre-wrap; }
}
)CSS";

}  // namespace kiln::report_html
