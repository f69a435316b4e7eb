/* Draws the statistics charts: each <div data-chart="ID"> gets the ECharts
   option in <script type="application/json" id="ID"> (written by the server
   with json_script). A click on a bar or slice opens the cases behind it. */
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var option = JSON.parse(source.textContent);
      // Tooltips drawn in the chart itself: ECharts' HTML tooltips write
      // style="" attributes, which the Content Security Policy refuses.
      if (option.tooltip) { option.tooltip.renderMode = "richText"; }
      chart.setOption(option);
      chart.on("click", function (params) {
        if (params.data && params.data.url) { window.location.assign(params.data.url); }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
