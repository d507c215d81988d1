/* The flowsheet's trend charts: blood pressure with the pressors' rates on a second
 * axis, weight, urine output and creatinine.
 *
 * The data comes from the json_script element "flowsheet-trend-data" written by
 * tracker/clinic/trends.py: for each chart, its series by name, each with a label,
 * a unit and points {x: patient's wall-clock time, y: value}.  Times carry no offset
 * on purpose: parsed as local times, they show the patient's clock whatever zone
 * the browser is in.  Each chart's caption says the same in words; the grid above
 * holds every value.
 */
(function () {
  "use strict";

  var COLOURS = {
    systolic: "#0b5394",
    diastolic: "#5b8fd1",
    map: "#000000",
    weight: "#6f42c1",
    urine: "#8a5a00",
    creatinine: "#0f5132",
  };
  var PRESSOR_COLOURS = ["#b02a37", "#d9480f", "#7c2d12"];
  // Line styles as well as colours, so the lines are told apart without colour.
  var DASHES = { diastolic: [6, 4], map: [2, 3] };

  function outside(point) {
    return Boolean(point && point.flag && point.flag !== "Normal");
  }

  var HOURS_6 = 6 * 60 * 60 * 1000;

  function timeAxis(chart) {
    // One reading (a first weight) would make an axis of milliseconds: give it a day.
    var times = [];
    Object.keys(chart).forEach(function (name) {
      chart[name].points.forEach(function (point) {
        times.push(new Date(point.x).getTime());
      });
    });
    var axis = {
      type: "time",
      time: {
        minUnit: "hour",
        tooltipFormat: "d MMM, HH:mm",
        displayFormats: { hour: "d MMM HH:mm", day: "d MMM" },
      },
      ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 16, maxTicksLimit: 8 },
    };
    if (times.length) {
      var low = Math.min.apply(null, times);
      var high = Math.max.apply(null, times);
      if (high - low < 2 * HOURS_6) {
        axis.min = low - HOURS_6;
        axis.max = high + HOURS_6;
      }
    }
    return axis;
  }

  function dataset(name, series, index) {
    var pressor = series.axis === "pressor";
    var colour = pressor ? PRESSOR_COLOURS[index % PRESSOR_COLOURS.length] : COLOURS[name] || "#333333";
    return {
      label: series.label + " (" + series.unit + ")",
      data: series.points,
      borderColor: colour,
      backgroundColor: colour,
      borderDash: DASHES[name] || [],
      stepped: pressor ? "before" : false,
      // A result outside the lab's range is a triangle, so colour is never the only cue.
      pointStyle: function (context) {
        if (pressor) {
          return "rect";
        }
        return outside(context.raw) ? "triangle" : "circle";
      },
      pointRadius: function (context) {
        return outside(context.raw) ? 6 : 2;
      },
      pointHitRadius: 8,
      tension: 0,
      yAxisID: pressor ? "pressor" : "y",
    };
  }

  function draw(canvas, chart) {
    var names = Object.keys(chart);
    var pressorIndex = 0;
    var datasets = names.map(function (name) {
      var series = chart[name];
      return dataset(name, series, series.axis === "pressor" ? pressorIndex++ : 0);
    });
    var main = chart[names[0]];
    var scales = {
      x: timeAxis(chart),
      // Urine from zero: an axis starting at 20 mL/h makes 22 look like nothing.
      y: { title: { display: true, text: main.unit }, beginAtZero: main.unit === "mL/h" },
    };
    if (pressorIndex > 0) {
      var pressor = names.map(function (name) {
        return chart[name];
      }).filter(function (series) {
        return series.axis === "pressor";
      })[0];
      scales.pressor = {
        position: "right",
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: true, text: "Pressor (" + pressor.unit + ")" },
      };
    }
    return new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: true,
        aspectRatio: window.innerWidth < 576 ? 1.3 : 2,
        scales: scales,
        plugins: { legend: { display: true, labels: { usePointStyle: true } } },
      },
    });
  }

  function start() {
    var source = document.getElementById("flowsheet-trend-data");
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas.flowsheet-trend").forEach(function (canvas) {
      var chart = data[canvas.dataset.trend];
      if (chart) {
        draw(canvas, chart);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
