// The what-if page: sliders -> /api/run -> numbers and the server's SVG chart. One request is in
// flight at a time; moves made meanwhile are sent as one request when it returns.
"use strict";

const minute = 60, hour = 3600;
// Slider stops per knob (seconds, units or a factor); the stack's own value is added to them.
const STOPS = {
  poll: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 720, 1440].map(m => m * minute),
  webhook: [0, 1, 2, 5, 10, 15, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600],
  feed: [0, 10, 30, 60, 120, 180, 300, 600, 900, 1800, hour, 2 * hour, 4 * hour],
  buffer: Array.from({ length: 21 }, (_, i) => i),
  demand: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5],
};
const KNOBS = Object.keys(STOPS);

let stacks = [];
let current = null;
let stops = {};
let inFlight = false;
let pending = false;

const $ = id => document.getElementById(id);

function duration(seconds) {
  if (seconds === 0) return "0 s";
  if (seconds < 120) return `${+seconds.toFixed(1)} s`;
  if (seconds < 2 * hour) return `${+(seconds / minute).toFixed(1)} min`;
  return `${+(seconds / hour).toFixed(1)} h`;
}

const LABELS = {
  poll: duration, webhook: duration, feed: duration,
  buffer: n => `${n} unit${n === 1 ? "" : "s"}`,
  demand: x => `×${x}`,
};

function fmt(x) {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 1 ? 2 : 3;
  return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
const pct = x => `${(100 * x).toFixed(1)}%`;

function setupStack() {
  current = stacks[$("stack").selectedIndex];
  $("description").textContent = current.description;
  for (const knob of KNOBS) {
    const slider = $(knob);
    const value = current.defaults[knob];
    const box = slider.closest(".knob");
    if (value === null || value === undefined) {
      slider.disabled = true;
      box.classList.add("disabled");
      $(`${knob}-value`).textContent = "not in this stack";
      continue;
    }
    slider.disabled = false;
    box.classList.remove("disabled");
    const list = STOPS[knob].filter(s => Math.abs(s - value) > 1e-9).concat([value]);
    stops[knob] = list.sort((a, b) => a - b);
    slider.min = 0;
    slider.max = stops[knob].length - 1;
    slider.step = 1;
    slider.value = stops[knob].indexOf(value);
    showValue(knob);
  }
}

function showValue(knob) {
  $(`${knob}-value`).textContent = LABELS[knob](stops[knob][+$(knob).value]);
}

function params() {
  const p = new URLSearchParams({ stack: current.slug });
  for (const knob of KNOBS) {
    if (!$(knob).disabled) p.set(knob, stops[knob][+$(knob).value]);
  }
  return p.toString();
}

function request() {
  $("download").href = `/download?${params()}`;
  if (inFlight) { pending = true; return; }
  inFlight = true;
  document.body.dataset.busy = "1";
  fetch(`/api/run?${params()}`)
    .then(r => r.ok ? r.json() : r.text().then(t => { throw new Error(t); }))
    .then(show)
    .catch(e => { $("error").hidden = false; $("error").textContent = e.message; })
    .finally(() => {
      inFlight = false;
      if (pending) { pending = false; request(); } else { document.body.dataset.busy = ""; }
    });
}

function show(data) {
  const o = data.outcome;
  $("error").hidden = true;
  $("cost").textContent = `${fmt(o.cost_per_year.mean)} ${o.currency}`;
  $("cost").dataset.value = o.cost_per_year.mean;
  $("cost-ci").textContent = `95% CI ${fmt(o.cost_per_year.lo)} – ${fmt(o.cost_per_year.hi)}; as shipped ${fmt(data.baseline.cost_per_year.mean)}`;
  $("oversells").textContent = fmt(o.oversells_per_day.mean);
  $("oversells").dataset.value = o.oversells_per_day.mean;
  $("oversells-ci").textContent = `95% CI ${fmt(o.oversells_per_day.lo)} – ${fmt(o.oversells_per_day.hi)}; as shipped ${fmt(data.baseline.oversells_per_day.mean)}`;
  const risks = $("risks");
  risks.replaceChildren();
  for (const c of o.channels) {
    if (!c.cancel_risk) continue;
    const li = document.createElement("li");
    const judged = c.window_days >= o.horizon_days ? "whole run" : `${c.window_days}-day window`;
    li.innerHTML = "<b></b> <span class=\"ci\"></span>";
    li.firstChild.textContent = `${c.name}: ${pct(c.cancel_risk.mean)}`;
    li.lastChild.textContent = `95% CI ${pct(c.cancel_risk.lo)} – ${pct(c.cancel_risk.hi)}; limit ${pct(c.limit)}, ${judged}`;
    li.dataset.channel = c.name;
    li.dataset.value = c.cancel_risk.mean;
    risks.append(li);
  }
  $("chart").innerHTML = data.svg;
  const days = o.horizon_days === 1 ? "one day" : `${o.horizon_days} days`;
  $("meta").textContent = `${o.trials} simulated runs of ${days} in ${Math.round(o.elapsed_ms)} ms, seed ${o.seed}; the same orders for every setting.`;
  document.body.dataset.generation = +document.body.dataset.generation + 1;
}

async function init() {
  const info = await (await fetch("/api/stacks")).json();
  stacks = info.stacks;
  const select = $("stack");
  for (const s of stacks) {
    const option = document.createElement("option");
    option.value = s.slug;
    option.textContent = s.skus > 1 ? `${s.name} (${s.skus} SKUs)` : s.name;
    select.append(option);
  }
  // `/#catalog-20` opens on that stack; the address follows the picker, to share a link.
  const wanted = stacks.findIndex(s => `#${s.slug}` === location.hash);
  if (wanted >= 0) select.selectedIndex = wanted;
  select.addEventListener("change", () => {
    setupStack();
    history.replaceState(null, "", `#${current.slug}`);
    request();
  });
  for (const knob of KNOBS) {
    $(knob).addEventListener("input", () => { showValue(knob); request(); });
  }
  setupStack();
  request();
}

init().catch(e => { $("error").hidden = false; $("error").textContent = e.message; });
