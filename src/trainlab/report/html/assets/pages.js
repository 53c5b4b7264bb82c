// trainlab report, 4 of 4 (pages.js): what each page does on load: the tables' filter
// boxes and checkboxes, the index's chart, a run page's chart and player, the compare
// page's two players under one slider.
(function () {
  "use strict";
  const TL = (window.TL = window.TL || {});
  const { fmt } = TL;

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
