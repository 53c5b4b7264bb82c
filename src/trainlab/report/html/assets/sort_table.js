// Click a column header of a table.sortable to sort its rows; click again to reverse.
// Columns marked data-type="number" sort by each cell's data-value (empty cells last in
// both directions); other columns sort as text with embedded numbers ordered numerically.
(function () {
  "use strict";
  const text = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function cellKey(row, index, numeric) {
    const cell = row.cells[index];
    if (!numeric) return cell.textContent.trim();
    const raw = cell.dataset.value;
    return raw === undefined || raw === "" ? NaN : Number(raw);
  }

  function sortBy(table, th) {
    const index = th.cellIndex;
    const numeric = th.dataset.type === "number";
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    const sign = ascending ? 1 : -1;
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).map((row, i) => ({ row, i, key: cellKey(row, index, numeric) }));
    rows.sort((a, b) => {
      if (numeric) {
        const aMissing = Number.isNaN(a.key);
        const bMissing = Number.isNaN(b.key);
        if (aMissing !== bMissing) return aMissing ? 1 : -1;
        if (!aMissing && a.key !== b.key) return sign * (a.key - b.key);
      } else {
        const order = text.compare(a.key, b.key);
        if (order !== 0) return sign * order;
      }
      return a.i - b.i; // stable: equal keys keep their current order
    });
    for (const header of table.tHead.rows[0].cells) header.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    for (const item of rows) body.appendChild(item.row);
  }

  for (const table of document.querySelectorAll("table.sortable")) {
    for (const th of table.tHead.rows[0].cells) {
      if (th.dataset.type === "none") continue; // the checkbox column
      th.addEventListener("click", () => sortBy(table, th));
    }
  }
})();
