/* Draws the dashboard's charts with ECharts from the page's JSON data island
   (#dashboard-data); every chart has a table with the same numbers right after it, which
   the chart's description points to and which stands alone where scripts do not run. */
(function () {
  "use strict";

  var COLORS = ["#b3261e", "#1a5fb4", "#1e6b34", "#8a5a00", "#6b3fa0", "#5b5b60"];

  // Bars with many categories lie on their side, except bars over months (a trend).
  function isHorizontal(spec) {
    return spec.type === "bar" && spec.categories.length > 4 && spec.horizontal !== false;
  }

  function option(spec) {
    var percent = !!spec.percent;
    var horizontal = isHorizontal(spec);
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: { interval: 0, hideOverlap: true, fontSize: 11 }
    };
    var valueAxis = {
      type: "value",
      min: 0,
      max: percent ? 100 : null,
      axisLabel: { formatter: percent ? "{value}%" : "{value}", fontSize: 11 }
    };
    return {
      color: COLORS,
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: spec.series.length > 1 ? { top: 0, type: "scroll" } : undefined,
      grid: { left: 8, right: 16, top: spec.series.length > 1 ? 36 : 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({}, categoryAxis, { inverse: true }) : valueAxis,
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: spec.type,
          data: s.data,
          connectNulls: false,
          label: spec.type === "bar" ? { show: true, position: horizontal ? "right" : "top", fontSize: 11 } : undefined
        };
      })
    };
  }

  function draw() {
    var island = document.getElementById("dashboard-data");
    if (!island || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(island.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = data[el.getAttribute("data-chart")];
      if (!spec || !spec.categories.length) {
        el.hidden = true;
        return;
      }
      // Shown only once it can be drawn (the template hides it, for pages without scripts).
      el.hidden = false;
      var rows = isHorizontal(spec) ? spec.categories.length : 0;
      el.style.height = rows ? Math.max(220, 36 * rows * spec.series.length + 60) + "px" : "260px";
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
