// trainlab report, 3 of 4 (player.js): the player, every panel of one run at the step a
// slider sets: the loss and signals with a marker, and each tensor's fixed-bin histogram
// computed from the quantiles the monitor stored at that step.
(function () {
  "use strict";
  const TL = (window.TL = window.TL || {});
  const { f32, fmt, COLORS, cursorOptions, markerPlugin } = TL;
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

  // --- The player: every panel of a run at one step ------------------------------------------

  // Fixed bins over a tensor's usual range: the medians over its steps of the 5th and 95th
  // percentiles, widened by their distance each side (within the extremes of all steps);
  // each step's share of elements per bin comes from its quantiles (a piecewise-linear
  // CDF: linear between quantiles, jumps at point masses such as a ReLU's zeros).
  function histograms(tensor, levels) {
    const { values, cols, rows } = TL.u16(tensor);
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
})();
