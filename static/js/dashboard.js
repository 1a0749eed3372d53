/* Dashboard charts: each <div data-chart="id"> is drawn with ECharts from the JSON in <script id="id">.
   The same numbers are in a table on the page; the chart is only a picture of them. */
(function () {
  "use strict";

  function options(spec) {
    var tooltip = { trigger: spec.type === "pie" ? "item" : "axis" };
    if (spec.type === "pie") {
      return {
        tooltip: tooltip,
        legend: { bottom: 0, type: "scroll" },
        series: spec.series.map(function (s) {
          return { name: s.name, type: "pie", radius: ["35%", "65%"], data: s.data, label: { formatter: "{b}\n{c}" } };
        })
      };
    }
    return {
      tooltip: tooltip,
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: spec.x.length > 8 ? 64 : 32 },
      xAxis: { type: "category", data: spec.x, axisLabel: { rotate: spec.x.length > 8 ? 45 : 0 } },
      yAxis: { type: "value", max: spec.percent ? 100 : null, axisLabel: { formatter: spec.percent ? "{value}%" : "{value}" } },
      series: spec.series.map(function (s) {
        return { name: s.name, type: spec.type, data: s.data, showSymbol: spec.x.length <= 31 };
      })
    };
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || !window.echarts) { return; }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(options(JSON.parse(source.textContent)));
    element.dataset.drawn = "true";
    charts.push(chart);
  });

  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
