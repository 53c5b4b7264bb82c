// trainlab report: the interactive parts of the pages, drawn with uPlot (assets/uPlot.*).
//
// - TL.put / TL.load: per-run data files (data/curves/<run>.js, data/player/<run>.js) are
//   scripts that call TL.put; a page loads one with a <script> element when it needs the
//   run (pages opened from disk may not fetch() files beside them).
// - Curves: a configuration is drawn as its mean over seeds with a 95% t-band; each seed
//   on request. Smoothing is TensorBoard's debiased exponential moving average.
// - Player: a step slider that moves every panel of a run together.
// - Table: a filter box for the runs table; checkboxes choose what the curves overlay.
(function () {
  "use strict";
  const TL = (window.TL = window.TL || {});
  const store = {};
  const waiting = {};
  const COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#0598bc",
    "#bf3989", "#6e7781", "#4d2d00", "#116329"];
  const KIND_COLORS = { weights: "#1f77b4", grads: "#8250df", net_values: "#ff7f0e",
    outputs: "#2ca02c" };
  const KIND_WORDS = { weights: "weights", grads: "gradients", net_values: "net values",
    outputs: "outputs" };
  const SIGNAL_WORDS = { grad_norm: "gradient norm |g|", update_ratio: "update ratio |Δw| / |w|",
    dead_frac: "dead fraction", saturated_frac: "saturated fraction", weight_norm: "weight norm",
    update_norm: "update norm |Δw|" };
  const PLAYER_SIGNALS = ["grad_norm", "update_ratio", "dead_frac", "saturated_frac"];
  const LOG_SIGNALS = { grad_norm: true, update_ratio: true };
  const BINS = 40;

  // --- Data files -----------------------------------------------------------------------------

  TL.put = function (kind, name, data) {
    const key = kind + "/" + name;
    store[key] = data;
    (waiting[key] || []).forEach((done) => done(data));
    delete waiting[key];
  };

  // The data of run `name` (null when its file is missing or empty), loaded once.
  TL.load = function (kind, name) {
    const key = kind + "/" + name;
    if (key in store) return Promise.resolve(store[key]);
    if (waiting[key]) return new Promise((done) => waiting[key].push(done));
    return new Promise((done) => {
      waiting[key] = [done];
      const script = document.createElement("script");
      script.src = TL.root + "data/" + kind + "/" + encodeURIComponent(name) + ".js";
      const missing = () => { if (!(key in store)) TL.put(kind, name, null); };
      script.onload = missing; // a file without data (a run without quantiles)
      script.onerror = missing;
      document.head.appendChild(script);
    });
  };

  function f32(packed) {
    if (!packed) return null;
    const text = atob(packed.f32);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return Array.from(new Float32Array(bytes.buffer), (v) => (Number.isFinite(v) ? v : null));
  }

  function u16(packed) {
    const text = atob(packed.u16);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const codes = new Uint16Array(bytes.buffer);
    const span = packed.hi > packed.lo ? packed.hi - packed.lo : 1;
    const out = new Float64Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      out[i] = codes[i] === 65535 ? NaN : packed.lo + (codes[i] / 65534) * span;
    }
    return { values: out, cols: packed.cols, rows: codes.length / packed.cols };
  }

  // --- Statistics -----------------------------------------------------------------------------

  // TensorBoard's smoothing: an exponential moving average debiased for its start, so the
  // first values are not pulled towards 0; missing values stay missing and are skipped.
  TL.ema = function (values, weight) {
    if (!weight) return values.slice();
    let last = 0;
    let n = 0;
    return values.map((v) => {
      if (v === null || !Number.isFinite(v)) return null;
      last = last * weight + (1 - weight) * v;
      n += 1;
      return last / (1 - Math.pow(weight, n));
    });
  };

  // Mean over curves at each index with the 95% t-interval of the mean (seeds >= 2).
  TL.meanBand = function (curves, tcrit) {
    const length = Math.max(0, ...curves.map((c) => c.length));
    const mean = new Array(length).fill(null);
    const low = new Array(length).fill(null);
    const high = new Array(length).fill(null);
    for (let i = 0; i < length; i++) {
      const xs = [];
      for (const c of curves) if (c[i] !== null && c[i] !== undefined) xs.push(c[i]);
      if (!xs.length) continue;
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      mean[i] = m;
      if (xs.length >= 2 && tcrit[xs.length]) {
        const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1));
        const half = (tcrit[xs.length] * sd) / Math.sqrt(xs.length);
        low[i] = m - half;
        high[i] = m + half;
      }
    }
    return { mean, low, high };
  };

  // --- Chart helpers --------------------------------------------------------------------------

  function fmt(v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
  }

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
        const curves = loaded[i].map((d) => curveOf(d, state.metric)).filter((c) => c);
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
            points: { show: false }, legend: false, value: (u, v) => fmt(v), show: true });
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
            series.push({ label: `${item.runs[s]}`, stroke: color + "80", width: 1,
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

  // --- The player: every panel of a run at one step ------------------------------------------

  // Fixed bins over a tensor's usual range: the medians over its steps of the 5th and 95th
  // percentiles, widened by their distance each side (within the extremes of all steps);
  // each step's share of elements per bin comes from its quantiles (a piecewise-linear
  // CDF: linear between quantiles, jumps at point masses such as a ReLU's zeros).
  function histograms(tensor, levels) {
    const { values, cols, rows } = u16(tensor);
    const q5s = [];
    const q95s = [];
    let min = Infinity;
    let max = -Infinity;
    for (let r = 0; r < rows; r++) {
      const q5 = values[r * cols + 1];
      const q95 = values[r * cols + cols - 2];
      if (Number.isFinite(q5) && Number.isFinite(q95)) { q5s.push(q5); q95s.push(q95); }
      if (Number.isFinite(values[r * cols])) min = Math.min(min, values[r * cols]);
      if (Number.isFinite(values[r * cols + cols - 1])) max = Math.max(max, values[r * cols + cols - 1]);
    }
    let lo = median(q5s);
    let hi = median(q95s);
    if (!(hi >= lo)) { lo = 0; hi = 1; }
    const pad = Math.max((hi - lo) / 2, Math.abs(hi) * 1e-3, 1e-6);
    lo = Math.max(min, lo - pad);
    hi = Math.min(max, hi + pad);
    if (!(hi > lo)) { lo -= pad; hi += pad; }
    const width = (hi - lo) / BINS;
    const edges = Array.from({ length: BINS + 1 }, (_, k) => lo + k * width);
    const shares = new Float32Array(rows * BINS);
    const outside = new Float32Array(rows);
    const peaks = [];
    for (let r = 0; r < rows; r++) {
      const q = values.subarray(r * cols, (r + 1) * cols);
      if (!q.every(Number.isFinite)) { shares.fill(NaN, r * BINS, (r + 1) * BINS); continue; }
      let previous = cdf(q, levels, edges[0], true);
      const below = previous;
      let peak = 0;
      for (let k = 0; k < BINS; k++) {
        const next = cdf(q, levels, edges[k + 1], false);
        const share = next - previous;
        shares[r * BINS + k] = share;
        peak = Math.max(peak, share);
        previous = next;
      }
      peaks.push(peak);
      outside[r] = below + (1 - previous);
    }
    // The y axis ends 15% above the 90th percentile of the steps' peaks (as the movie's
    // densities): a few steps' tallest bins may be cut, rather than every other step
    // squashed; never below the first step's, which is always drawn.
    peaks.sort((a, b) => a - b);
    const p90 = peaks.length ? peaks[Math.floor(0.9 * (peaks.length - 1))] : 1;
    let firstPeak = 0;
    for (let k = 0; k < BINS; k++) firstPeak = Math.max(firstPeak, shares[k] || 0);
    const top = Math.max(1.15 * p90, firstPeak * 1.05);
    return { edges, shares, outside, rows, top, first: tensor.first };
  }

  function median(xs) {
    if (!xs.length) return NaN;
    const sorted = xs.slice().sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  }

  // The share of elements <= x (or < x with `strict`) from quantiles q at `levels`.
  function cdf(q, levels, x, strict) {
    const n = q.length;
    if (strict ? x <= q[0] : x < q[0]) return 0;
    if (strict ? x > q[n - 1] : x >= q[n - 1]) return 1;
    let j = 0;
    while (j + 1 < n && (strict ? q[j + 1] < x : q[j + 1] <= x)) j++;
    if (j + 1 >= n) return 1;
    const w = q[j + 1] - q[j];
    return w > 0 ? levels[j] + ((levels[j + 1] - levels[j]) * (x - q[j])) / w : levels[j];
  }

  // A player in `el` for one run's data. Returns {setStep(index), count, stepAt(index)}.
  // `options.controls` false: no slider of its own (the compare page drives two players).
  TL.player = function (el, data, options) {
    options = options || {};
    const steps = f32(data.step);
    const count = steps.length;
    let index = 0;
    const charts = [];
    const hooks = []; // what else follows the step (this player's slider)
    el.innerHTML = "";
    el.classList.add("player");
    const status = document.createElement("div");
    status.className = "player-status";
    let slider = null;
    if (options.controls !== false) {
      const bar = document.createElement("div");
      bar.className = "controls player-controls";
      bar.innerHTML = '<button type="button" data-control="play">▶ play</button>' +
        `<input data-control="step" type="range" min="0" max="${count - 1}" value="0">` +
        '<label>step <input data-control="step-number" type="number" min="' + steps[0] +
        '" max="' + steps[count - 1] + '"></label>' +
        '<label>speed <select data-control="speed"><option value="1">1 step</option>' +
        '<option value="5">5 steps</option><option value="20">20 steps</option>' +
        '<option value="0">a 10 s run</option></select> a frame</label>';
      el.appendChild(bar);
      slider = bar.querySelector('[data-control="step"]');
      const number = bar.querySelector('[data-control="step-number"]');
      const play = bar.querySelector('[data-control="play"]');
      const speed = bar.querySelector('[data-control="speed"]');
      speed.value = "0";
      slider.addEventListener("input", () => api.setStep(Number(slider.value)));
      number.addEventListener("change", () => api.setStep(nearest(Number(number.value))));
      let timer = null;
      const stop = () => { clearInterval(timer); timer = null; play.textContent = "▶ play"; };
      play.addEventListener("click", () => {
        if (timer) return stop();
        if (index >= count - 1) api.setStep(0);
        play.textContent = "❚❚ pause";
        timer = setInterval(() => {
          const stride = Number(speed.value) || Math.max(1, Math.round(count / 300));
          if (index >= count - 1) return stop();
          api.setStep(Math.min(count - 1, index + stride));
        }, 33);
      });
      hooks.push(() => { slider.value = index; number.value = steps[index]; });
    }
    el.appendChild(status);

    function nearest(step) {
      let best = 0;
      for (let i = 0; i < count; i++) if (Math.abs(steps[i] - step) < Math.abs(steps[best] - step)) best = i;
      return best;
    }
    const current = () => steps[index];

    // Top row: loss and signals over steps, a marker at the current step.
    const top = document.createElement("div");
    top.className = "player-row";
    el.appendChild(top);
    const lossData = [steps, f32(data.train_loss), TL.ema(f32(data.train_loss), 0.9), f32(data.val_loss)];
    const lossSeries = [{ label: "step" },
      { label: "training loss, per batch", stroke: "#0969da40", width: 1, points: { show: false } },
      { label: "training loss (EMA 0.9)", stroke: "#0969da", width: 1.5, points: { show: false } },
      { label: `validation loss (${data.val_size || "monitor"} images)`, stroke: "#cf222e",
        width: 1.5, spanGaps: true, points: { show: false } }];
    charts.push(timeChart(top, "loss", lossData, lossSeries, false));
    for (const signal of PLAYER_SIGNALS) {
      const lines = data.signals.filter((s) => s.signal === signal);
      if (!lines.length) continue;
      const series = [{ label: "step" }, ...lines.map((s, i) => ({ label: s.name,
        stroke: COLORS[i % COLORS.length], width: 1.2, points: { show: false }, spanGaps: true,
        value: (u, v) => fmt(v) }))];
      const columns = lines.map((s) => {
        const v = f32(s.values);
        return LOG_SIGNALS[signal] ? v.map((x) => (x !== null && x > 0 ? x : null)) : v;
      });
      charts.push(timeChart(top, SIGNAL_WORDS[signal], [steps, ...columns], series,
        !!LOG_SIGNALS[signal], LOG_SIGNALS[signal] ? null : fractionRange));
    }

    // A fraction's axis starts at 0 and shows at least 0 to 1% (an all-zero signal is flat).
    function fractionRange(u, lo, hi) {
      return [0, Math.max(Number.isFinite(hi) ? hi * 1.1 : 0, 0.01)];
    }

    function timeChart(parent, title, columns, series, logY, range) {
      const box = document.createElement("div");
      box.className = "panel";
      box.innerHTML = `<div class="panel-title">${title}</div>`;
      parent.appendChild(box);
      const u = new uPlot({
        width: options.compact ? 290 : 330, height: 190,
        scales: { x: { time: false }, y: logY ? { distr: 3 } : range ? { range } : {} },
        series, axes: [{ size: 30 }, { size: 52 }],
        legend: { live: true }, cursor: cursorOptions("player-" + (options.sync || "")),
        plugins: [markerPlugin(current)],
      }, columns, box);
      u.over.addEventListener("click", () => {
        if (u.select.width > 0) return;
        const step = u.posToVal(u.cursor.left, "x");
        api.setStep(nearest(step));
      });
      return u;
    }

    // The distributions: one panel per recorded tensor, grouped by kind.
    const hists = [];
    const grid = document.createElement("div");
    grid.className = "player-grid";
    el.appendChild(grid);
    for (const kind of ["weights", "grads", "net_values", "outputs"]) {
      const tensors = data.tensors.filter((t) => t.kind === kind);
      if (!tensors.length) continue;
      const column = document.createElement("div");
      column.className = "player-column";
      column.innerHTML = `<h4>${KIND_WORDS[kind]}</h4>`;
      grid.appendChild(column);
      for (const t of tensors) hists.push(histPanel(column, t));
    }

    function histPanel(parent, tensor) {
      const h = histograms(tensor, data.levels);
      const box = document.createElement("div");
      box.className = "panel hist";
      box.dataset.kind = tensor.kind;
      box.dataset.name = tensor.name;
      const title = document.createElement("div");
      title.className = "panel-title";
      box.appendChild(title);
      parent.appendChild(box);
      const row = (r) => {
        const out = Array.from(h.shares.subarray(r * BINS, (r + 1) * BINS), (v) => (Number.isFinite(v) ? v * 100 : null));
        out.push(out[BINS - 1]);
        return out;
      };
      const initial = row(0);
      const color = KIND_COLORS[tensor.kind];
      const stepped = uPlot.paths.stepped({ align: 1 });
      const u = new uPlot({
        width: options.compact ? 230 : 290, height: 150,
        scales: { x: { time: false, range: [h.edges[0], h.edges[BINS]] },
          y: { range: [0, Math.max(1e-9, h.top * 100)] } },
        series: [{ label: "value", value: (u, v) => fmt(v) },
          { label: tensor.first === 0 ? "initial" : "first step", stroke: "#57606a", width: 1.2,
            dash: [4, 3], paths: stepped,
            points: { show: false }, value: (u, v) => (v === null ? "–" : v.toFixed(1) + "%") },
          { label: "this step", stroke: color, fill: color + "55", width: 1.2, paths: stepped,
            points: { show: false }, value: (u, v) => (v === null ? "–" : v.toFixed(1) + "%") }],
        axes: [{ size: 30 }, { size: 40, values: (u, vals) => vals.map((v) => v + "%") }],
        legend: { show: false }, cursor: { drag: { x: false, y: false } },
      }, [h.edges.slice(), initial, initial], box);
      box.chart = u; // for tests and the console: the panel's uPlot
      return { h, u, row, title, tensor };
    }

    function rowOf(h, i) {
      // weights have a row for step 0 (before training): row i + 1 is after step i's update
      return h.first === 0 ? Math.min(h.rows - 1, i + 1) : Math.min(h.rows - 1, i);
    }

    const api = {
      count,
      stepAt: (i) => steps[i],
      get index() { return index; },
      setStep(i) {
        index = Math.max(0, Math.min(count - 1, i | 0));
        for (const c of charts) c.redraw(false, false);
        for (const p of hists) {
          const r = rowOf(p.h, index);
          const shares = p.row(r);
          p.u.setData([p.u.data[0], p.u.data[1], shares]); // the ranges are fixed: no rescale
          const out = p.h.outside[r];
          p.title.textContent = `${p.tensor.name}` + (out > 0.005 ? ` (${(out * 100).toFixed(0)}% beyond the axis)` : "");
        }
        const epoch = data.steps_per_epoch ? Math.floor((steps[index] - 1) / data.steps_per_epoch) + 1 : null;
        status.textContent = `step ${steps[index]} of ${data.steps}` + (epoch ? `, epoch ${epoch}` : "") +
          (data.thinned ? ` (${count} steps kept, spread evenly)` : "");
        el.dataset.step = String(steps[index]);
        for (const hook of hooks) hook();
        if (options.onStep) options.onStep(index);
      },
    };
    api.setStep(0);
    el.player = api;
    return api;
  };

  // --- Page state kept across the live reloads of a running study ------------------------

  TL.remember = function (id, value) {
    const key = "trainlab:" + location.pathname + ":" + id;
    try {
      if (value === undefined) return JSON.parse(sessionStorage.getItem(key) || "{}");
      sessionStorage.setItem(key, JSON.stringify(value));
    } catch (e) { return {}; }
    return value;
  };

  // --- Tables: filter and choose --------------------------------------------------------------

  function filterTable(input, table) {
    const rows = Array.from(table.tBodies[0].rows);
    const texts = rows.map((r) => r.textContent.toLowerCase());
    const count = input.parentElement.querySelector("output");
    const apply = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter((w) => w);
      let shown = 0;
      rows.forEach((row, i) => {
        const show = words.every((w) => texts[i].includes(w));
        row.hidden = !show;
        shown += show;
      });
      if (count) count.textContent = words.length ? `${shown} of ${rows.length} runs` : "";
    };
    input.addEventListener("input", apply);
    apply();
  }

  function studyData() {
    const node = document.getElementById("tl-study");
    return node ? JSON.parse(node.textContent) : null;
  }

  function indexPage(study) {
    const el = document.getElementById("explorer");
    if (!el) return;
    const byPoint = {};
    for (const c of study.configs) byPoint[c.point] = c;
    const boxes = () => Array.from(document.querySelectorAll("input.pick:not([disabled])"));
    const drawn = new Set(study.runs.filter((r) => r.curves).map((r) => r.name));
    for (const b of document.querySelectorAll("input.pick[data-run]")) {
      if (!drawn.has(b.dataset.run)) {
        b.disabled = true;
        b.title = "This run has no curves (it did not finish).";
      }
    }
    const key = (b) => (b.dataset.run ? "run:" + b.dataset.run : "point:" + b.dataset.point);
    const saved = TL.remember("picks");
    if (saved.picks) {
      for (const b of boxes()) b.checked = saved.picks.includes(key(b));
    }
    const compare = document.getElementById("compare-link");
    function items() {
      const chosen = boxes().filter((b) => b.checked);
      TL.remember("picks", { picks: chosen.map(key) });
      const runs = chosen.filter((b) => b.dataset.run).map((b) => b.dataset.run);
      if (compare) {
        compare.hidden = runs.length !== 2;
        if (runs.length === 2) {
          compare.href = "compare.html?a=" + encodeURIComponent(runs[0]) + "&b=" +
            encodeURIComponent(runs[1]);
        }
      }
      return chosen.map((b) => b.dataset.run
        ? { label: b.dataset.run, runs: [b.dataset.run] }
        : { label: b.dataset.point, runs: (byPoint[b.dataset.point] || { runs: [] }).runs });
    }
    const explorer = TL.explorer(el, study, items);
    for (const b of boxes()) b.addEventListener("change", () => explorer.draw());
    items();
  }

  function runPage(study) {
    const el = document.getElementById("run-curves");
    const run = study.run;
    if (el && run) {
      const mates = study.mates || [];
      const items = () => {
        const out = [{ label: run, runs: [run] }];
        const box = document.getElementById("with-config");
        if (box && box.checked && mates.length > 1) out.push({ label: study.point, runs: mates });
        return out;
      };
      const explorer = TL.explorer(el, study, items);
      const box = document.getElementById("with-config");
      if (box) box.addEventListener("change", () => explorer.draw());
    }
    const holder = document.getElementById("player");
    if (holder && run) {
      TL.load("player", run).then((data) => {
        if (!data) {
          holder.innerHTML = "<p>This run's record kept no per-step distributions.</p>";
          return;
        }
        data.val_size = study.val_size;
        TL.player(holder, data);
      });
    }
  }

  function comparePage(study) {
    const el = document.getElementById("compare");
    if (!el) return;
    const params = new URLSearchParams(location.search);
    const names = study.runs.filter((r) => r.player).map((r) => r.name);
    const pick = [params.get("a") || names[0], params.get("b") || names[1]];
    const selects = Array.from(document.querySelectorAll("select.compare-run"));
    selects.forEach((s, i) => {
      s.innerHTML = study.runs.map((r) => `<option>${r.name.replace(/</g, "&lt;")}</option>`).join("");
      s.value = pick[i];
      s.addEventListener("change", () => {
        const query = new URLSearchParams({ a: selects[0].value, b: selects[1].value });
        location.search = query.toString();
      });
    });
    const metrics = document.getElementById("compare-metrics");
    const runs = pick.map((name) => study.runs.find((r) => r.name === name));
    if (metrics && runs[0] && runs[1]) {
      metrics.innerHTML = "<thead><tr><th></th>" + runs.map((r) => `<th scope="col">${r.name}</th>`).join("") +
        "<th>difference (A − B)</th></tr></thead><tbody>" +
        study.metrics.filter((m) => Number.isFinite(runs[0].metrics[m.name]) ||
          Number.isFinite(runs[1].metrics[m.name])).map((m) => {
          const a = runs[0].metrics[m.name];
          const b = runs[1].metrics[m.name];
          const diff = a !== null && a !== undefined && b !== null && b !== undefined ? fmt(a - b) : "";
          return `<tr><th scope="row" title="${m.description}">${m.label}</th><td class="num">${fmt(a)}</td>` +
            `<td class="num">${fmt(b)}</td><td class="num">${diff}</td></tr>`;
        }).join("") + "</tbody>";
    }
    Promise.all(pick.map((name) => TL.load("player", name))).then((loaded) => {
      const holders = [document.getElementById("compare-a"), document.getElementById("compare-b")];
      const players = [];
      loaded.forEach((data, i) => {
        holders[i].querySelector("h3").textContent = pick[i] || "";
        const box = holders[i].querySelector(".compare-player");
        if (!data) { box.innerHTML = "<p>No per-step distributions recorded.</p>"; return; }
        data.val_size = study.val_size;
        players.push(TL.player(box, data, { controls: false, sync: "compare", compact: true }));
      });
      const slider = document.getElementById("compare-step");
      const label = document.getElementById("compare-step-label");
      if (!players.length) return;
      const longest = players.reduce((a, b) => (a.stepAt(a.count - 1) >= b.stepAt(b.count - 1) ? a : b));
      slider.max = String(longest.count - 1);
      const move = (i) => {
        const step = longest.stepAt(i);
        for (const p of players) {
          let best = 0;
          for (let k = 0; k < p.count; k++) if (p.stepAt(k) <= step) best = k;
          p.setStep(best);
        }
        label.textContent = `step ${step}`;
        el.dataset.step = String(step);
      };
      slider.addEventListener("input", () => move(Number(slider.value)));
      move(0);
    });
  }

  function start() {
    TL.root = document.body.dataset.root || "";
    for (const input of document.querySelectorAll("input.filter")) {
      const table = document.getElementById(input.dataset.table);
      if (table) filterTable(input, table);
    }
    const study = studyData();
    if (study) {
      indexPage(study);
      runPage(study);
      comparePage(study);
    }
    document.body.dataset.ready = "1";
    document.body.dataset.readyAt = String(performance.now()); // ms since navigation started
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
