/* PlanWatch dashboards: draws the charts of a dashboard page with Apache ECharts (served locally from
   vendor/echarts/). Each chart's data is in a <script type="application/json"> written by Django's
   json_script; every number shown comes from there. No bundler, no third-party code but ECharts. */
(function () {
  "use strict";

  var SCALE = ["#fbe3d6", "#f6c28b", "#cfe8b8", "#6fb36b", "#1f6b2a"];  // low → high
  var GREY = "#e4e7eb";
  // 珠海市 → 珠海 for a map label; other names (顺德区, English names) as they are.
  function shortName(name) {
    return /^[\u4e00-\u9fff]{2,}市$/.test(name) ? name.slice(0, -1) : name;
  }
  var charts = [];

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // Scores are shown at the precision they are ranked at (planwatch.core.numbers.SCORE_DECIMALS,
  // given by the page with the chart's data).
  var scoreDecimals = 3;

  function format(value, kind) {
    if (value === null || value === undefined || isNaN(value)) return "—";
    if (kind === "share") return (value * 100).toFixed(1) + "%";
    if (kind === "score") return value.toFixed(scoreDecimals);
    return String(Math.round(value * 100) / 100);
  }

  function start(el, option) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    // "rendered", not "finished": the rippling point of 顺德区 keeps animating, so the map never finishes.
    chart.on("rendered", function () { el.setAttribute("data-drawn", "1"); });
    chart.setOption(option);
    charts.push(chart);
    if (window.ResizeObserver) new ResizeObserver(function () { resize(chart); }).observe(el);
    return chart;
  }

  // --- the plan's map: its pilot units coloured by the chosen measure, the cities around them grey ---
  // The server sends the map (planwatch/plans/maps.py): the plan's places by their code, a district
  // over its city, the cities around them by name, each place's label point, the places it draws as
  // points, and the bounds of the pilot units, which the view fits.
  function drawMap(data) {
    var el = document.getElementById("map");
    var select = document.getElementById("map-measure");
    if (!el || !data) return;
    var byCode = {};
    data.localities.forEach(function (loc) { byCode[loc.code] = loc; });
    var areaByCode = {};  // a city above its reporting counties: its page adds them up
    (data.areas || []).forEach(function (area) { areaByCode[area.code] = area; });
    fetch(data.map_url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("map " + data.map_url + ": HTTP " + response.status);
        return response.json();
      })
      .then(function (map) {
        var name = "plan-" + data.plan;
        echarts.registerMap(name, { type: "FeatureCollection", features: map.features });
        var chart = start(el, mapOption(data, map, name, byCode, data.measures[0], areaByCode));
        unmapped(el, map.unmapped || [], byCode, data.labels.unmapped);
        chart.on("click", function (p) {
          var loc = (p.data && p.data.code) ? byCode[p.data.code] : (byCode[p.name] || areaByCode[p.name]);
          if (loc && loc.url) window.location.href = loc.url;
        });
        if (select) {
          select.addEventListener("change", function () {
            var chosen = data.measures.filter(function (m) { return m.key === select.value; })[0];
            if (!chosen) return;
            measureValues(chosen).then(function () {
              if (select.value !== chosen.key) return;  // another one chosen meanwhile
              chart.setOption(mapOption(data, map, name, byCode, chosen, areaByCode), { replaceMerge: ["series", "visualMap"] });
            }).catch(function (error) { console.error(error); });  // the map stays as it was
          });
        }
      })
      .catch(function (error) {
        el.innerHTML = "";
        var p = document.createElement("p");
        p.className = "empty";
        p.textContent = String(error);
        el.appendChild(p);
      });
  }

  // A measure's values: in the page (the composite score), or fetched from its url when first chosen
  // (an indicator's completion of every pilot unit, planwatch.dashboards.views.measure) and kept.
  function measureValues(measure) {
    if (measure.values) return Promise.resolve(measure.values);
    return fetch(measure.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("measure " + measure.url + ": HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        measure.values = body.values;
        return measure.values;
      });
  }

  // A pilot unit the map data has no boundary for (a district made after the package's data) is
  // named under the map, never silently left out.
  function unmapped(el, codes, byCode, label) {
    if (!codes.length) return;
    var note = document.createElement("p");
    note.className = "small muted";
    note.id = "map-unmapped";
    var separator = /^zh/.test(document.documentElement.lang) ? "、" : ", ";
    var names = codes.map(function (code) { return byCode[code] ? byCode[code].name : code; });
    // Of many (a national plan: a few hundred county-level cities the package lacks), the first 20
    // and how many in all; each is named in its tooltip-less row of the ranking and on its page.
    if (names.length > 20) names = names.slice(0, 20).concat(["… (" + codes.length + ")"]);
    note.textContent = label.replace("{names}", names.join(separator));
    el.parentNode.insertBefore(note, el.nextSibling);
  }

  function mapOption(data, map, mapName, byCode, measure, areaByCode) {
    var labels = data.labels;
    var values = measure.values;
    var numbers = Object.keys(values).map(function (k) { return values[k]; });
    var low = numbers.length ? Math.min.apply(null, numbers) : 0;
    var high = numbers.length ? Math.max.apply(null, numbers) : 1;
    if (high - low < 1e-9) { low = Math.max(0, low - 0.05); high = high + 0.05; }
    var drawn = {};  // feature name (a plan's place: its code) → its title (its Chinese name)
    map.features.forEach(function (f) { drawn[f.properties.name] = f.properties.title || f.properties.name; });
    var areas = [], points = [], regions = [], names = [];
    data.localities.forEach(function (loc) {
      var value = values.hasOwnProperty(loc.code) ? values[loc.code] : null;
      var item = { name: loc.code, code: loc.code, label_name: loc.name, rank: loc.rank };
      var point = map.points[loc.code];
      if (point) {
        item.value = [point[0], point[1], value === null ? NaN : value];
        points.push(item);
      } else if (drawn[loc.code]) {
        // Each name is written by the "names" series below, at the server's label point, short
        // (珠海, not 珠海市): neighbouring cities' names stay apart.
        var at = map.labels[loc.code];
        // Of many pilot units (data.many) no name is written: the tooltip names each.
        if (at && !data.many) names.push({ name: loc.code, code: loc.code, label_name: loc.name, value: [at[0], at[1]] });
        regions.push({ name: loc.code, label: { show: !at && !data.many, formatter: shortName(loc.name), color: "#1f2933",
                                                fontSize: 12, fontWeight: "bold", textBorderColor: "#fff",
                                                textBorderWidth: 2 },
                       itemStyle: { areaColor: "#f5f7fa", borderColor: "#52606d", borderWidth: data.many ? 0.3 : 1 } });
        if (value !== null) { item.value = value; areas.push(item); }
      }
    });
    // A city above reporting counties is not highlighted on hover: its highlight would cover them
    // (its tooltip says a click opens it).
    (data.areas || []).forEach(function (area) {
      if (drawn[area.code]) regions.push({ name: area.code, emphasis: { disabled: true } });
    });
    var geo = {
      map: mapName, roam: false, layoutCenter: ["50%", "50%"], layoutSize: "96%",
      itemStyle: { areaColor: GREY, borderColor: "#fff", borderWidth: data.many ? 0.3 : 1 },
      // On hover, the name of a place that has none written (a city around the plan's), by its
      // name, never its code; a pilot unit's name is written already.
      emphasis: { itemStyle: { areaColor: "#cbd2d9" },
                  label: { show: true, formatter: function (p) {
                    if (!byCode[p.name]) return drawn[p.name] || p.name;
                    return map.labels[p.name] ? "" : shortName(byCode[p.name].name);
                  } } },
      label: { show: false }, regions: regions
    };
    // Fit the pilot units: the view is their bounds (west-north, east-south corners); the cities
    // around them run on to the edges as grey context.
    if (map.bounds) geo.boundingCoords = [[map.bounds[0][0], map.bounds[1][1]], [map.bounds[1][0], map.bounds[0][1]]];
    return {
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var loc = (p.data && p.data.code) ? byCode[p.data.code] : byCode[p.name];
          if (!loc && areaByCode[p.name]) return areaByCode[p.name].name + "<br>" + labels.area;
          if (!loc) return (drawn[p.name] || p.name) + "<br>" + labels.not_pilot;
          var v = values.hasOwnProperty(loc.code) ? values[loc.code] : null;
          var text = loc.name + "<br>" + measure.label + ": " + (v === null ? labels.no_data : format(v, measure.kind));
          if (loc.rank) text += "<br>" + labels.rank + ": " + loc.rank;
          if (loc.inside) text += "<br><span style='font-size:11px'>" + labels.inside + "</span>";
          return text;
        }
      },
      visualMap: [{
        type: "continuous", min: low, max: high, seriesIndex: [0, 1], calculable: false,
        left: 4, bottom: 4, itemHeight: 90, itemWidth: 12,
        text: [format(high, measure.kind), format(low, measure.kind)], textStyle: { fontSize: 11 },
        inRange: { color: SCALE }
      }],
      geo: geo,
      series: [
        { type: "map", geoIndex: 0, name: measure.label, data: areas },
        {
          type: "effectScatter", coordinateSystem: "geo", name: measure.label, data: points,
          symbolSize: 13, rippleEffect: { scale: 2.2, brushType: "stroke" }, zlevel: 1,
          label: { show: true, position: "right", distance: 6, formatter: function (p) { return p.data.label_name; },
                   fontSize: 12, fontWeight: "bold", color: "#1f2933", textBorderColor: "#fff", textBorderWidth: 2 },
          itemStyle: { borderColor: "#1f2933", borderWidth: 1 }
        },
        {
          type: "scatter", coordinateSystem: "geo", name: "names", data: names, symbolSize: 1, silent: true,
          itemStyle: { color: "transparent" }, tooltip: { show: false }, zlevel: 1,
          label: { show: true, position: "inside", formatter: function (p) { return shortName(p.data.label_name); },
                   fontSize: 12, fontWeight: "bold", color: "#1f2933", textBorderColor: "#fff", textBorderWidth: 2 }
        }
      ]
    };
  }

  // --- the composite ranking as bars, best on top ---------------------------------------------------
  // Each bar as thick as every other (BAR px in a row of RANKING_ROW px), whatever the number shown:
  // the chart is as tall as its rows (a search's one hit is one ordinary bar, not a chart-high block).
  var BAR = 12, RANKING_ROW = 20, RANKING_AXIS = 36;
  function rankingHeight(rows) { return rows * RANKING_ROW + RANKING_AXIS; }

  function drawRanking(data) {
    var el = document.getElementById("ranking-chart");
    if (!el || !data || !data.ranking.length) return;
    var names = {};
    data.localities.forEach(function (loc) { names[loc.code] = loc.name; });
    var rows = data.ranking.slice().reverse();
    el.style.height = rankingHeight(rows.length) + "px";
    start(el, {
      animation: false,
      grid: { left: 8, right: 48, top: 6, bottom: 6, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) { return p.name + ": " + format(p.value, "score"); } },
      xAxis: { type: "value", min: 0, max: 1, axisLabel: { fontSize: 10 } },
      // A gap row (of many units: between the best and the worst shown) has no bar, only "…".
      yAxis: { type: "category", data: rows.map(function (r) { return r.gap ? "…" : (names[r.code] || r.code); }), axisLabel: { fontSize: 11 } },
      series: [{
        type: "bar", data: rows.map(function (r) { return r.score; }), barWidth: BAR,
        itemStyle: { color: "#2f6fb0" },
        label: { show: true, position: "right", fontSize: 10, formatter: function (p) { return format(p.value, "score"); } }
      }]
    });
  }

  // --- a locality's dimension scores against the mean of the pilot units ---------------------------
  function drawRadar(data) {
    var el = document.getElementById("radar");
    if (!el || !data) return;
    start(el, {
      animation: false,
      legend: { bottom: 0, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "item" },
      radar: { indicator: data.indicators, radius: "62%", center: ["50%", "46%"], axisName: { color: "#1f2933", fontSize: 11 } },
      series: [{
        type: "radar",
        data: data.series.map(function (s, k) {
          return { name: s.name, value: s.value, areaStyle: k === 0 ? { opacity: 0.25 } : undefined,
                   lineStyle: k === 0 ? { width: 2 } : { type: "dashed" } };
        })
      }]
    });
  }

  // --- an indicator: every pilot unit over the years, its target dashed ----------------------------
  function drawLines(data) {
    var el = document.getElementById("indicator-chart");
    if (!el || !data) return;
    start(el, {
      animation: false,
      legend: { type: "scroll", top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", name: data.unit, scale: true },
      series: data.series.map(function (s) {
        var line = { type: "line", name: s.name, data: s.values, connectNulls: true, symbolSize: 5 };
        if (s.target !== null) {
          line.markLine = {
            silent: true, symbol: "none", lineStyle: { type: "dashed", width: 1 },
            label: { show: false }, data: [{ yAxis: s.target, name: data.labels.target }]
          };
        }
        return line;
      })
    });
  }

  // ECharts' map throws when laid out in a box of zero width or height (its view transform cannot be
  // inverted), which a full-page screenshot or print layout can produce for a moment: resize only a
  // chart whose box has a size, and let a ResizeObserver catch the box's own changes.
  function hasSize(el) { return el.clientWidth > 0 && el.clientHeight > 0; }
  function resize(chart) { if (hasSize(chart.getDom())) chart.resize(); }
  function resizeAll() { charts.forEach(resize); }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") return;
    var overview = readJson("overview-data");
    if (overview && typeof overview.score_decimals === "number") scoreDecimals = overview.score_decimals;
    drawMap(overview);
    drawRanking(overview);
    drawRadar(readJson("radar-data"));
    drawLines(readJson("indicator-data"));
    window.addEventListener("resize", resizeAll);
    window.addEventListener("beforeprint", resizeAll);
  });
})();
