// The dashboard shell holds no data: it fetches JSON and server-rendered SVG with the
// coordinator's API key. The key comes from the URL fragment (#key=..., never sent to the
// server or its logs) or the login form, and lives only in this tab's sessionStorage.
"use strict";

const API = "/v1/analytics";

function apiKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    sessionStorage.setItem("mentorgraph-key", fromHash);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("mentorgraph-key");
}

async function get(path, kind) {
  const res = await fetch(API + path, { headers: { Authorization: "Bearer " + apiKey() } });
  if (!res.ok) {
    let message = res.statusText;
    try { message = (await res.json()).error.message; } catch (_) { /* not JSON */ }
    throw new Error(`${path}: ${res.status} ${message}`);
  }
  return kind === "json" ? res.json() : res.text();
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

function fillTable(id, rows, columns) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    columns.forEach((c) => cell(tr, c(r)));
    body.appendChild(tr);
  }
  if (!rows.length) {
    const tr = document.createElement("tr");
    cell(tr, "none");
    body.appendChild(tr);
  }
}

async function svgInto(id, path) {
  // The SVG is rendered by our own server with every data string escaped.
  document.getElementById(id).innerHTML = await get(path, "text");
}

function stat(label, value) {
  const div = document.createElement("div");
  const b = document.createElement("b");
  b.textContent = value;
  div.append(b, label);
  return div;
}

async function showNetwork(node) {
  if (node) await svgInto("chart-network", "/charts/network.svg?node=" + encodeURIComponent(node));
}

async function load() {
  const status = document.getElementById("status");
  if (!apiKey()) {
    document.getElementById("login").hidden = false;
    status.textContent = "Enter a coordinator API key to see the dashboard.";
    return;
  }
  status.textContent = "Loading…";
  try {
    const [health, cov, stalled] = await Promise.all([
      get("/health", "json"), get("/coverage?top=10", "json"), get("/stalled", "json"),
    ]);
    document.getElementById("health-stats").replaceChildren(
      stat("mentees with open goals", health.mentees_with_open_goals),
      stat("matched", health.matched_mentees),
      stat("match rate", Math.round(health.match_rate * 100) + "%"),
      stat("median days to match", health.median_days_to_match ?? "–"),
    );
    fillTable("gaps", cov.top_gaps, [(r) => r.label, (r) => r.demand, (r) => r.supply, (r) => r.recruit.join(", ")]);
    fillTable("stalled", stalled, [(r) => r.pairing_id, (r) => r.mentor_id, (r) => r.mentee_ids.join(", "), (r) => r.since, (r) => r.reason]);
    await Promise.all([
      svgInto("chart-health", "/charts/health.svg"),
      svgInto("chart-coverage", "/charts/coverage.svg"),
      svgInto("chart-load", "/charts/load.svg"),
    ]);
    const firstGap = cov.top_gaps[0];
    if (firstGap) {
      document.getElementById("network-node").value = firstGap.node_id;
      await showNetwork(firstGap.node_id);
    }
    status.textContent = "";
    document.body.dataset.loaded = "true";
  } catch (err) {
    status.textContent = err.message;
    status.className = "error";
  }
}

document.getElementById("login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem("mentorgraph-key", document.getElementById("key").value);
  document.getElementById("login").hidden = true;
  load();
});
document.getElementById("network-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  showNetwork(document.getElementById("network-node").value.trim()).catch((err) => {
    document.getElementById("status").textContent = err.message;
  });
});
load();
