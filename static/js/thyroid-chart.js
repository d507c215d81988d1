/* Thyroid trend charts: TSH and free T4 over time, each with the lab's range shaded.
 *
 * The data comes from the json_script element "thyroid-data" written by
 * tracker/thyroid/views.py (chart_data): one series per test, with points
 * {x: patient's wall-clock time, y: value, flag: "Low" | "Normal" | "High"}
 * and band [low, high].  Times carry no offset on purpose: parsed as local
 * times, they show the patient's clock whatever zone the browser is in.
 * The results table on the page is the accessible and printable version.
 */
(function () {
  "use strict";

  var DAY = 24 * 60 * 60 * 1000;
  var COLOURS = { tsh: "#0b5394", ft4: "#6f42c1" };

  // The reference range as a box behind the line: a tiny plugin, so no
  // annotation library is needed.
  var referenceBand = {
    id: "referenceBand",
    beforeDatasetsDraw: function (chart, args, options) {
      if (options.low === null || options.high === null) {
        return;
      }
      var area = chart.chartArea;
      var y = chart.scales.y;
      var top = Math.max(y.getPixelForValue(options.high), area.top);
      var bottom = Math.min(y.getPixelForValue(options.low), area.bottom);
      if (bottom <= top) {
        return;
      }
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = options.fill;
      ctx.fillRect(area.left, top, area.right - area.left, bottom - top);
      ctx.strokeStyle = options.edge;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      [top, bottom].forEach(function (edge) {
        ctx.moveTo(area.left, edge);
        ctx.lineTo(area.right, edge);
      });
      ctx.stroke();
      ctx.restore();
    },
  };

  function outside(point) {
    return point && point.flag !== "Normal";
  }

  function draw(canvas, series) {
    var times = series.points.map(function (point) {
      return new Date(point.x).getTime();
    });
    var values = series.points.map(function (point) {
      return point.y;
    });
    var band = series.band || [null, null];
    var colour = COLOURS[canvas.dataset.test] || "#0b5394";
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: series.label + " (" + series.unit + ")",
            data: series.points,
            borderColor: colour,
            backgroundColor: colour,
            // Results outside their range are triangles, so colour is never the only cue.
            pointStyle: function (context) {
              return outside(context.raw) ? "triangle" : "circle";
            },
            pointRadius: function (context) {
              return outside(context.raw) ? 7 : 4;
            },
            pointHitRadius: 12,
            tension: 0,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: true,
        aspectRatio: window.innerWidth < 576 ? 1.4 : 2,
        scales: {
          x: {
            type: "time",
            // A day either side, so a single result is not drawn on the chart's edge.
            min: Math.min.apply(null, times) - DAY,
            max: Math.max.apply(null, times) + DAY,
            // Ticks on days at the finest: results hours apart gave a label every few
            // hours ("28 Nov 08:00"), too long to fit side by side. The tooltip and
            // the table keep the time of each result.
            time: {
              minUnit: "day",
              tooltipFormat: "d MMM yyyy, HH:mm",
              displayFormats: { day: "d MMM", week: "d MMM", month: "MMM yyyy" },
            },
            ticks: {
              maxRotation: 0,
              autoSkip: true,
              autoSkipPadding: 16,
              maxTicksLimit: window.innerWidth < 576 ? 4 : 8,
            },
          },
          y: {
            beginAtZero: true,
            suggestedMax: Math.max.apply(null, values.concat(band[1] === null ? [] : [band[1]])) * 1.15,
            title: { display: true, text: series.unit },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (context) {
                return series.label + " " + context.parsed.y + " " + series.unit + " (" + context.raw.flag + ")";
              },
            },
          },
          referenceBand: {
            low: band[0],
            high: band[1],
            fill: "rgba(25, 135, 84, 0.15)",
            edge: "rgba(25, 135, 84, 0.7)",
          },
        },
      },
      plugins: [referenceBand],
    });
  }

  function start() {
    var source = document.getElementById("thyroid-data");
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas.thyroid-chart").forEach(function (canvas) {
      var series = data[canvas.dataset.test];
      if (series && series.points.length) {
        draw(canvas, series);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
