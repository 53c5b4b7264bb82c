// trainlab report, 2 of 4 (charts.js): chart helpers on uPlot, and the explorer: the
// curves of chosen runs and configurations, a configuration being its mean over seeds
// with a 95% t-band, smoothed, on a linear or log axis, over a chosen range of steps.
(function () {
  "use strict";
  const TL = (window.TL = window.TL || {});
  const { f32, fmt } = TL;
  const COLORS = (TL.COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#0598bc",
    "#bf3989", "#6e7781", "#4d2d00", "#116329"]);

  // --- Chart helpers --------------------------------------------------------------------------

  function chartWidth(el) {
    return Math.max(260, Math.floor(el.getBoundingClientRect().width || el.clientWidth || 600));
  }

  // A vertical line at the player's step, redrawn with the chart.
  function markerPlugin(getStep) {
    return {
      hooks: {
        draw: (u) => {
          const step = getStep();
          if (step === null) return;
          const x = u.valToPos(step, "x", true);
          if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "rgba(60,60,60,0.75)";
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      },
    };
  }

  // Shift + drag pans the x axis; the wheel zooms it around the cursor.
  function panZoomPlugin(onRange) {
    return {
      hooks: {
        ready: (u) => {
          const over = u.over;
          over.addEventListener("wheel", (e) => {
            if (!e.ctrlKey && !e.altKey) return; // plain wheel scrolls the page
            e.preventDefault();
            const { min, max } = u.scales.x;
            const at = u.posToVal(e.offsetX, "x");
            const k = e.deltaY < 0 ? 0.8 : 1.25;
            u.setScale("x", { min: at - (at - min) * k, max: at + (max - at) * k });
            onRange && onRange(u);
          }, { passive: false });
          over.addEventListener("mousedown", (e) => {
            if (!e.shiftKey) return;
            const x0 = e.clientX;
            const { min, max } = u.scales.x;
            const perPx = (max - min) / u.bbox.width * devicePixelRatio;
            const move = (m) => {
              const dx = (m.clientX - x0) * perPx;
              u.setScale("x", { min: min - dx, max: max - dx });
            };
            const up = () => {
              document.removeEventListener("mousemove", move);
              document.removeEventListener("mouseup", up);
              onRange && onRange(u);
            };
            document.addEventListener("mousemove", move);
            document.addEventListener("mouseup", up);
          });
        },
      },
    };
  }

  // The y range of the visible x window: all of it, or (ignoring outliers, as TensorBoard
  // offers) its 2nd to 98th percentiles, so a first-steps spike does not squash the rest.
  function yRange(u, dataMin, dataMax, state) {
    let lo = dataMin;
    let hi = dataMax;
    if (state.outliers) {
      const min = u.scales.x.min ?? -Infinity;
      const max = u.scales.x.max ?? Infinity;
      const values = [];
      const xs = u.data[0];
      for (let s = 1; s < u.data.length; s++) {
        if (!u.series[s].show) continue;
        const ys = u.data[s];
        for (let i = 0; i < xs.length; i++) {
          if (xs[i] >= min && xs[i] <= max && ys[i] !== null && (!state.log || ys[i] > 0)) values.push(ys[i]);
        }
      }
      if (values.length > 20) {
        values.sort((a, b) => a - b);
        lo = values[Math.floor(values.length * 0.02)];
        hi = values[Math.ceil(values.length * 0.98) - 1];
      }
    }
    if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
    if (state.log) return uPlot.rangeLog(Math.max(lo, 1e-12), Math.max(hi, 1e-12), 10, false);
    return uPlot.rangeNum(lo, hi, 0.1, true);
  }

  // Hide the legend entries of helper series (the band's edges).
  function hideLegend(u, test) {
    const rows = u.root.querySelectorAll(".u-legend .u-series");
    u.series.forEach((s, i) => { if (i > 0 && test(s) && rows[i]) rows[i].style.display = "none"; });
  }

  function cursorOptions(syncKey) {
    return {
      sync: syncKey ? { key: syncKey } : undefined,
      drag: { x: true, y: false },
      bind: { mousedown: (u, t, handler) => (e) => (e.shiftKey ? null : handler(e)) },
    };
  }

  // --- Curves: runs and configurations overlaid ----------------------------------------------

  const METRIC_WORDS = { train_loss: "training loss", val_loss: "validation loss",
    train_acc: "training accuracy", val_acc: "validation accuracy" };

  // An explorer: controls above a uPlot chart of the chosen items' curves.
  //   study: the page's study data; items(): [{key, label, runs: [names], config}]
  TL.explorer = function (el, study, items) {
    const stepSmoothing = study.smooth === undefined ? 0.6 : study.smooth;
    const state = Object.assign({ x: study.default_x || "step", metric: "val_loss",
      smooth: (study.default_x || "step") === "step" ? stepSmoothing : 0, log: false, seeds: false, outliers: true, from: "", to: "" },
      TL.remember(el.id));
    el.innerHTML = "";
    const bar = document.createElement("div");
    bar.className = "controls";
    el.appendChild(bar);
    const holder = document.createElement("div");
    holder.className = "chart";
    el.appendChild(holder);
    const caption = document.createElement("p");
    caption.className = "note chart-caption";
    el.appendChild(caption);
    let chart = null;

    function control(html) {
      const label = document.createElement("label");
      label.innerHTML = html;
      bar.appendChild(label);
      return label.querySelector("input, select");
    }
    const xSel = control('per <select data-control="x"><option value="step">step</option>' +
      '<option value="epoch">epoch</option></select>');
    const mSel = control('<select data-control="metric"></select>');
    const smooth = control('smoothing <input data-control="smooth" type="range" min="0" ' +
      'max="0.99" step="0.01"> <output></output>');
    const log = control('<input data-control="log" type="checkbox"> log y');
    const seeds = control('<input data-control="seeds" type="checkbox"> each seed');
    const outliers = control('<input data-control="outliers" type="checkbox"> ignore outliers ' +
      "in the y range");
    const from = control('steps <input data-control="from" type="number" min="0" ' +
      'placeholder="first">');
    const to = control('to <input data-control="to" type="number" min="0" placeholder="last">');
    const reset = document.createElement("button");
    reset.type = "button";
    reset.textContent = "whole range";
    bar.appendChild(reset);

    function metrics() {
      return state.x === "step" ? ["val_loss", "train_loss"]
        : ["val_loss", "train_loss", "val_acc", "train_acc"];
    }
    function syncControls() {
      xSel.value = state.x;
      mSel.innerHTML = metrics().map((m) => `<option value="${m}">${METRIC_WORDS[m]}</option>`)
        .join("");
      if (!metrics().includes(state.metric)) state.metric = metrics()[0];
      mSel.value = state.metric;
      smooth.value = state.smooth;
      smooth.nextElementSibling.textContent = Number(state.smooth).toFixed(2);
      log.checked = state.log;
      seeds.checked = state.seeds;
      outliers.checked = state.outliers;
      from.value = state.from;
      to.value = state.to;
      from.parentElement.firstChild.textContent = state.x === "step" ? "steps " : "epochs ";
    }
    function changed() {
      TL.remember(el.id, state);
      draw();
    }
    xSel.addEventListener("change", () => { state.x = xSel.value; state.from = state.to = "";
      state.smooth = state.x === "step" ? stepSmoothing : 0; syncControls(); changed(); });
    mSel.addEventListener("change", () => { state.metric = mSel.value; changed(); });
    smooth.addEventListener("input", () => { state.smooth = Number(smooth.value);
      smooth.nextElementSibling.textContent = state.smooth.toFixed(2); changed(); });
    log.addEventListener("change", () => { state.log = log.checked; changed(); });
    seeds.addEventListener("change", () => { state.seeds = seeds.checked; changed(); });
    outliers.addEventListener("change", () => { state.outliers = outliers.checked; changed(); });
    for (const box of [from, to]) {
      box.addEventListener("change", () => { state.from = from.value; state.to = to.value;
        TL.remember(el.id, state); applyRange(); });
    }
    reset.addEventListener("click", () => { state.from = state.to = ""; syncControls();
      TL.remember(el.id, state); applyRange(); });

    function applyRange() {
      if (!chart) return;
      const xs = chart.data[0];
      const lo = state.from === "" ? xs[0] : Number(state.from);
      const hi = state.to === "" ? xs[xs.length - 1] : Number(state.to);
      if (xs.length && hi > lo) chart.setScale("x", { min: lo, max: hi });
    }
    function rangeChanged(u) {
      state.from = String(Math.max(0, Math.round(u.scales.x.min)));
      state.to = String(Math.round(u.scales.x.max));
      from.value = state.from;
      to.value = state.to;
      TL.remember(el.id, state);
    }

    function curveOf(data, metric) {
      const part = data && data[state.x];
      return part && part[metric] ? f32(part[metric]) : null;
    }

    let drawing = 0;
    async function draw() {
      const ticket = ++drawing;
      const chosen = items();
      const loaded = await Promise.all(chosen.map((item) =>
        Promise.all(item.runs.map((run) => TL.load("curves", run)))));
      if (ticket !== drawing) return; // a newer draw started meanwhile
      let length = 0;
      const series = [{ label: state.x }];
      const columns = [];
      const bands = [];
      let bandsDrawn = false;
      let seedsMax = 0;
      chosen.forEach((item, i) => {
        const color = COLORS[i % COLORS.length];
        const found = loaded[i].map((d, k) => ({ run: item.runs[k], curve: curveOf(d, state.metric) }))
          .filter((f) => f.curve);
        const curves = found.map((f) => f.curve);
        if (!curves.length) return;
        const smoothed = curves.map((c) => TL.ema(c, state.smooth));
        const { mean, low, high } = TL.meanBand(smoothed, study.tcrit);
        length = Math.max(length, mean.length);
        seedsMax = Math.max(seedsMax, curves.length);
        const n = curves.length;
        const label = item.label + (n > 1 ? ` (mean of ${n})` : "");
        series.push({ label, stroke: color, width: 2, spanGaps: true, points: { show: false },
          value: (u, v) => fmt(v) });
        columns.push(mean);
        if (n > 1 && low.some((v) => v !== null)) {
          series.push({ label: "95% band", stroke: "transparent", width: 0, spanGaps: true,
            points: { show: false }, value: (u, v) => fmt(v) });
          columns.push(high);
          series.push({ label: "95% band", stroke: "transparent", width: 0, spanGaps: true,
            points: { show: false }, value: (u, v) => fmt(v) });
          columns.push(low);
          const hi = series.length - 2;
          bands.push({ series: [hi, hi + 1], fill: color + "2e" });
          bandsDrawn = true;
        }
        if (state.seeds && n > 1) {
          smoothed.forEach((c, s) => {
            series.push({ label: found[s].run, stroke: color + "80", width: 1,
              spanGaps: true, points: { show: false }, value: (u, v) => fmt(v) });
            columns.push(c);
          });
        }
      });
      const xs = Array.from({ length }, (_, i) => i + 1);
      const epochsAt = (data) => (data && data.epoch ? f32(data.epoch.epoch) : null);
      if (state.x === "epoch") { // history.csv's epochs are 1, 2, ...; keep them
        const first = loaded.flat().map(epochsAt).find((e) => e);
        if (first) for (let i = 0; i < length; i++) xs[i] = i < first.length ? first[i] : i + 1;
      }
      const data = [xs, ...columns.map((c) => xs.map((_, i) => (i < c.length ? c[i] : null)))];
      caption.textContent = describe(seedsMax, bandsDrawn, columns.length > 0);
      if (chart) chart.destroy();
      chart = null;
      holder.innerHTML = "";
      if (!columns.length) {
        holder.innerHTML = '<p class="empty">Nothing to draw: choose runs or configurations ' +
          "with this curve (checkboxes in the tables).</p>";
        return;
      }
      chart = new uPlot({
        width: chartWidth(holder), height: 340,
        scales: { x: { time: false }, y: Object.assign(state.log ? { distr: 3 } : {},
          { range: (u, lo, hi) => yRange(u, lo, hi, state) }) },
        series, bands,
        axes: [{ label: state.x }, { label: METRIC_WORDS[state.metric], size: 60 }],
        cursor: cursorOptions(),
        legend: { live: true },
        hooks: { setSelect: [(u) => { if (u.select.width > 0) setTimeout(() => rangeChanged(u)); }] },
        plugins: [panZoomPlugin(rangeChanged)],
      }, data, holder);
      hideLegend(chart, (s) => s.label === "95% band");
      holder.chart = chart;
      applyRange();
      el.dataset.series = String(columns.length);
      el.dataset.drawn = String(drawing);
      if (!document.body.dataset.drawnAt) document.body.dataset.drawnAt = String(performance.now());
    }

    function describe(seedsMax, bandsDrawn, any) {
      if (!any) return "";
      const parts = [];
      if (state.x === "step" && state.metric === "val_loss") {
        parts.push(`Validation loss per step: on the monitor's fixed subset of ${study.val_size} ` +
          `validation images, scored after each step${study.val_every > 1 ? " it was measured" : ""} ` +
          `(the tables use the full validation set${study.val_full ? ` of ${study.val_full} images` : ""}).`);
      } else if (state.x === "step") {
        parts.push("Training loss per step: the loss of each batch, in train mode.");
      } else {
        parts.push(`${METRIC_WORDS[state.metric]} per epoch, scored in eval mode at the end of ` +
          "each epoch.");
      }
      if (seedsMax > 1) {
        parts.push("Lines: a configuration's mean over its seeds" +
          (bandsDrawn ? "; bands: the 95% t-interval of that mean at each " + state.x : "") +
          (state.seeds ? "; thin lines: each seed" : "") + ".");
      }
      if (state.smooth > 0) {
        parts.push(`Smoothed with TensorBoard's debiased exponential moving average, weight ` +
          `${Number(state.smooth).toFixed(2)} (each seed before the mean).`);
      }
      parts.push("Drag to zoom, shift-drag to pan, ctrl-wheel to zoom; double-click resets.");
      return parts.join(" ");
    }

    syncControls();
    draw();
    return { draw, el };
  };

  TL.markerPlugin = markerPlugin;
  TL.cursorOptions = cursorOptions;
})();
