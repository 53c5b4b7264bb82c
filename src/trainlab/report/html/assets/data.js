// trainlab report, 1 of 4 (data.js): the per-run data files, the statistics the charts
// draw, numbers as the charts print them, and page state kept across live reloads.
//
// A run's data file (data/curves/<run>.js, data/player/<run>.js) is a script calling
// TL.put; a page loads one with a <script> element when it needs the run (pages opened
// from disk may not fetch() files beside them). Arrays come as base64 float32 (f32) or
// uint16 fractions of a range (u16), as trainlab/report/html/rundata.py writes them.
(function () {
  "use strict";
  const TL = (window.TL = window.TL || {});
  const store = {};
  const waiting = {};

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

  // A base64 float32 array as numbers, null where nothing was measured (NaN).
  TL.f32 = function (packed) {
    if (!packed) return null;
    const text = atob(packed.f32);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return Array.from(new Float32Array(bytes.buffer), (v) => (Number.isFinite(v) ? v : null));
  };

  // Quantiles stored as uint16 fractions of [lo, hi]: {values, cols, rows}, NaN missing.
  TL.u16 = function (packed) {
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
  };

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

  // A number for a legend or table: four significant digits, integers as they are.
  TL.fmt = function (v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
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
})();
