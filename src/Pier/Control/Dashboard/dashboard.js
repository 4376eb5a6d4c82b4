// Pier's dashboard: polls the admin API every 2 s with the bearer token and keeps the last hour
// of samples in memory (nothing is stored server-side for it).
"use strict";

const SAMPLE_MS = 2000;
const WINDOW_S = 3600;
const TOKEN_KEY = "pier.admin.token";
const $ = id => document.getElementById(id);

// The link from `pier dashboard` carries the token in the fragment, which browsers never send to
// servers; keep it and take it out of the address bar so it is not bookmarked or screen-shared.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("token")) {
  localStorage.setItem(TOKEN_KEY, fragment.get("token"));
  history.replaceState(null, "", location.pathname + location.search);
}

const samples = { time: [], hostCpu: [], workersCpu: [], workersMemory: [], hostMemoryUsed: [], requests: [], errors: [] };
let previousCounters = null;
let busy = false;
let charts = null;
let ticks = 0;

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: "Bearer " + localStorage.getItem(TOKEN_KEY) },
    cache: "no-store",
  });
  if (response.status === 401)
    throw new Unauthorized();
  if (!response.ok)
    throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

function askForToken() {
  localStorage.removeItem(TOKEN_KEY);
  $("main").hidden = true;
  $("login").hidden = false;
  $("connection").textContent = "needs the admin token";
}

$("login").addEventListener("submit", event => {
  event.preventDefault();
  localStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("login").hidden = true;
  start();
});

function element(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null)
    e.textContent = String(text);
  if (className)
    e.className = className;
  return e;
}

function row(cells, className) {
  const tr = element("tr", null, className);
  for (const cell of cells)
    tr.append(cell instanceof Node ? cell : element("td", cell ?? "-"));
  return tr;
}

function bytes(n) {
  if (n === null || n === undefined) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function duration(s) {
  if (s === null || s === undefined) return "-";
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor(s % 3600 / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${Math.floor(s % 86400 / 3600)}h`;
}

function percent(p) {
  return p === null || p === undefined ? "-" : `${p.toFixed(0)}%`;
}

function renderStatus(status) {
  $("name").textContent = status.name;
  document.title = `Pier: ${status.name}`;
  const host = status.host;
  $("summary").textContent = `pid ${status.pid} · http ${status.listen} · host cpu ${percent(host.cpu_percent)} of ${host.cores} cores · ` +
    `memory ${bytes(host.memory_total_bytes - host.memory_available_bytes)} of ${bytes(host.memory_total_bytes)} used`;
  const body = $("workers").tBodies[0];
  const rows = [];
  for (const service of status.services) {
    const ready = `${service.ready}/${service.desired} ${service.kind === "http" ? "ready" : "running"}`;
    rows.push(row([service.name, ready, "", "", "", "", percent(service.cpu_percent), bytes(service.memory_bytes), service.note ?? service.kind, ""], "service"));
    for (const w of service.workers) {
      const restart = element("button", "Restart");
      restart.type = "button";
      restart.dataset.target = w.id;
      restart.disabled = busy;
      restart.addEventListener("click", () => act(`/api/v1/restart?target=${encodeURIComponent(w.id)}`, `restart ${w.id}`));
      const actions = element("td");
      actions.append(restart);
      const tr = row(["  " + w.id, element("td", w.state, "state-" + w.state), w.pid, w.socket ? "unix:" + w.socket : w.port, duration(w.uptime_seconds), w.restarts,
        percent(w.cpu_percent), bytes(w.memory_bytes), w.last_exit, actions], "worker");
      tr.dataset.worker = w.id;
      tr.dataset.pid = w.pid ?? "";
      tr.dataset.state = w.state;
      rows.push(tr);
    }
  }
  body.replaceChildren(...rows);
}

// The request counters of /metrics (Prometheus text): all requests and the 5xx ones, summed over services.
function requestCounters(text) {
  let all = 0, errors = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("pier_requests_total{"))
      continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    all += value;
    if (line.includes('code="5xx"'))
      errors += value;
  }
  return { all, errors };
}

function record(status, counters) {
  const now = Date.now() / 1000;
  const workers = status.services.flatMap(s => s.workers);
  let requests = null, errors = null;
  if (counters && previousCounters && now > previousCounters.at) {
    const seconds = now - previousCounters.at;
    // A counter that went down means Pier restarted: no rate for that interval.
    requests = counters.all >= previousCounters.all ? (counters.all - previousCounters.all) / seconds : null;
    errors = counters.errors >= previousCounters.errors ? (counters.errors - previousCounters.errors) / seconds : null;
  }
  previousCounters = counters ? { ...counters, at: now } : null;
  samples.time.push(now);
  samples.hostCpu.push(status.host.cpu_percent);
  samples.workersCpu.push(workers.reduce((sum, w) => sum + (w.cpu_percent ?? 0), 0));
  samples.workersMemory.push(workers.reduce((sum, w) => sum + (w.memory_bytes ?? 0), 0));
  samples.hostMemoryUsed.push(status.host.memory_total_bytes - status.host.memory_available_bytes);
  samples.requests.push(requests);
  samples.errors.push(errors);
  while (samples.time.length && samples.time[0] < now - WINDOW_S)
    for (const series of Object.values(samples))
      series.shift();
  document.body.dataset.samples = String(samples.time.length);
}

function chart(id, series, valueFormat) {
  const target = $(id);
  return new uPlot({
    width: Math.max(target.clientWidth, 380),
    height: 200,
    series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 1.5, value: (u, v) => v === null ? "-" : valueFormat(v) }))],
    axes: [{}, { size: 80, values: (u, values) => values.map(valueFormat) }],
    scales: { x: { time: true } },
    hooks: { draw: [() => { document.body.dataset.redraws = String(Number(document.body.dataset.redraws) + 1); }] },
  }, [[]], target);
}

function drawCharts() {
  charts ??= {
    cpu: chart("chart-cpu", [["host (all cores)", "#0969da"], ["workers (one core = 100)", "#bf3989"]], v => `${v.toFixed(0)}%`),
    memory: chart("chart-memory", [["host used", "#0969da"], ["workers", "#bf3989"]], bytes),
    requests: chart("chart-requests", [["all", "#1a7f37"], ["5xx", "#cf222e"]], v => v.toFixed(1)),
  };
  charts.cpu.setData([samples.time, samples.hostCpu, samples.workersCpu]);
  charts.memory.setData([samples.time, samples.hostMemoryUsed, samples.workersMemory]);
  charts.requests.setData([samples.time, samples.requests, samples.errors]);
}

async function sample() {
  const status = await (await api("/api/v1/status")).json();
  // /metrics may be open or behind the token; either way the rate is a nicety, the status is not.
  const counters = await api("/metrics").then(r => r.text()).then(requestCounters, () => null);
  renderStatus(status);
  record(status, counters);
  drawCharts();
}

async function refreshEvents() {
  const events = await (await api("/api/v1/events?since=1h&n=50")).json();
  $("events").tBodies[0].replaceChildren(...events.slice().reverse().map(e =>
    row([new Date(e.at).toLocaleTimeString(), e.kind, e.service, e.worker, element("td", e.message, "message")])));
}

async function refreshCertificates() {
  const certs = await (await api("/api/v1/certs")).json();
  const body = $("certs").tBodies[0];
  if (certs.length === 0) {
    const cell = element("td", "no HTTPS: the config has no https section", "muted");
    cell.colSpan = 7;
    body.replaceChildren(row([cell]));
    return;
  }
  body.replaceChildren(...certs.map(c => {
    const days = c.days_left;
    const className = days === null || days === undefined || days < 7 ? "bad" : days < 20 ? "warn" : "ok";
    return row([c.domain, c.source, c.issuer, c.not_after ? new Date(c.not_after).toLocaleString() : "none yet",
      element("td", days === null || days === undefined ? "-" : days.toFixed(1), className),
      c.next_renewal ? new Date(c.next_renewal).toLocaleString() : "-", element("td", c.last_error, "message bad")]);
  }));
}

function setBusy(value) {
  busy = value;
  for (const button of document.querySelectorAll("#reload, #workers button"))
    button.disabled = value;
}

// Reload, restart and scale answer NDJSON while they run; each line is shown as it arrives.
async function act(path, what) {
  if (busy)
    return;
  setBusy(true);
  const progress = $("progress");
  const result = $("progress-result");
  $("progress-section").hidden = false;
  progress.textContent = `${what}…\n`;
  result.textContent = "running";
  result.className = "warn";
  delete progress.dataset.ok;
  let ok = null;
  try {
    const reader = (await api(path, { method: "POST" })).body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done)
        break;
      buffered += value;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line)
          continue;
        const event = JSON.parse(line);
        progress.textContent += event.message + "\n";
        progress.scrollTop = progress.scrollHeight;
        if (event.ok !== undefined && event.ok !== null)
          ok = event.ok;
      }
    }
  } catch (error) {
    progress.textContent += `${error instanceof Unauthorized ? "the admin token was refused" : error.message}\n`;
    ok = false;
  } finally {
    setBusy(false);
  }
  progress.dataset.ok = String(ok === true);
  result.textContent = ok ? "done" : "failed";
  result.className = ok ? "ok" : "bad";
  refreshEvents().catch(() => {});
}

$("reload").addEventListener("click", () => act("/api/v1/reload", "reload"));

async function tick() {
  try {
    await sample();
    if (ticks % 5 === 0)
      await refreshEvents();
    if (ticks % 30 === 0)
      await refreshCertificates();
    ticks++;
    $("connection").textContent = "live";
    $("connection").className = "ok";
    setTimeout(tick, SAMPLE_MS);
  } catch (error) {
    if (error instanceof Unauthorized) {
      askForToken();
      return;
    }
    $("connection").textContent = `Pier does not answer (${error.message}); retrying`;
    $("connection").className = "bad";
    setTimeout(tick, SAMPLE_MS);
  }
}

function start() {
  if (!localStorage.getItem(TOKEN_KEY)) {
    askForToken();
    return;
  }
  $("main").hidden = false;
  tick();
}

start();
