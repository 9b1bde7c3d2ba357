// The L&D dashboard. The page holds no data: each panel fetches its JSON and its
// server-rendered SVG (drawn at the panel's width) from /v1/analytics with the key, and shows
// its own error if it fails, so one slow or broken panel does not blank the others.
"use strict";

const { api, el, named, table, int, num, pct, day, errorText } = MG;

function chartWidth(id) {
  const box = document.getElementById(id);
  const w = Math.floor((box.clientWidth || 600) / 10) * 10;
  return Math.max(320, Math.min(900, w));
}

async function svgInto(id, path) {
  // our own server renders the SVG and escapes every data string in it
  const sep = path.includes("?") ? "&" : "?";
  document.getElementById(id).innerHTML = await api(`/analytics/charts/${path}${sep}width=${chartWidth(id)}`, { kind: "text" });
}

function kpi(label, value, title) {
  return el("div", { class: "kpi", title }, el("b", {}, value), el("span", {}, label));
}

function showNode(id) {
  document.getElementById("network-node").value = id;
  showNetwork(id);
  document.getElementById("panel-network").scrollIntoView({ behavior: "smooth", block: "start" });
}

const nodeLink = (label, id) => el("button", { type: "button", class: "linkish", title: id, onclick: () => showNode(id) }, label);

// --- panels ---------------------------------------------------------------------------------

async function healthPanel() {
  const h = await api("/analytics/programs");
  const o = h.overall;
  const stalled = (await api("/analytics/stalled")).data;
  const marked = stalled.filter((s) => s.detected === "marked").length;
  const live = stalled.length - marked;
  document.getElementById("kpis").replaceChildren(
    kpi("mentees enrolled", int(o.enrolled), "people enrolled in a program as mentees"),
    kpi(`proposed a mentor (${int(o.proposed)})`, pct(o.proposed_rate), "share of enrolled mentees with a pairing in any state"),
    kpi(`matched (${int(o.matched)})`, pct(o.matched_rate), "share whose pairing was accepted at some time"),
    kpi(`in a pairing now (${int(o.active)})`, pct(o.active_rate), "accepted, active or stalled now"),
    kpi("median days to a match", o.median_days_to_match === null ? "–" : num(o.median_days_to_match),
      "from the program's start (or a later goal's creation) to the first acceptance"),
    kpi(`stalled: ${int(marked)} marked, ${int(live)} found now`, int(stalled.length), "see Stalled pairings"),
    kpi(`check-ins, rated ${o.avg_rating === null ? "–" : o.avg_rating.toFixed(1)} of 5 on average`, int(o.checkins), "sessions recorded"),
  );
  table("programs", [
    { head: "program", cell: (r) => [el("b", {}, r.program), el("br"), el("span", { class: "muted" }, "from " + day(r.start))], width: "30%" },
    { head: "enrolled", num: true, cell: (r) => int(r.enrolled) },
    { head: "proposed", num: true, cell: (r) => el("span", { title: `${r.proposed} mentees` }, pct(r.proposed_rate)) },
    { head: "matched", num: true, cell: (r) => el("span", { title: `${r.matched} mentees` }, pct(r.matched_rate)) },
    { head: "now", num: true, cell: (r) => el("span", { title: `${r.active} mentees in a pairing now` }, pct(r.active_rate)) },
    { head: "days to match", num: true, cell: (r) => num(r.median_days_to_match) },
    { head: "goals reached", num: true, cell: (r) => el("span", { title: `${r.closed} pairings closed` }, int(r.goals_reached)) },
  ], h.programs, "no programs yet");
  const reasons = Object.entries(h.stall_reasons).map(([k, v]) => `${k} ${int(v)}`).join(", ");
  document.getElementById("stall-reasons").textContent = reasons ? `Stalls so far, by reason: ${reasons}.` : "No stalls so far.";
  await Promise.all([
    svgInto("chart-programs", "programs.svg"),
    svgInto("chart-monthly", "monthly.svg"),
    svgInto("chart-checkins", "checkins.svg"),
  ]);
  stalledTable(stalled);
}

function stalledTable(rows) {
  table("stalled", [
    { head: "mentor", cell: (r) => nodeLink(r.mentor_name, r.mentor_id), width: "16%" },
    { head: "mentees", cell: (r) => r.mentee_names.map((n, i) => [i ? ", " : "", named(n, r.mentee_ids[i])]), width: "18%" },
    { head: "program", cell: (r) => el("span", { title: r.pairing_id }, r.program || "–") },
    { head: "found", cell: (r) => el("span", { class: "tag " + r.detected, title: r.detected === "live" ? "found by the stall detector now" : "status is stalled since " + day(r.since) }, r.detected === "live" ? "now" : "marked") },
    { head: "why", cell: (r) => el("span", { title: r.reason }, r.kind), width: "22%" },
    { head: "days silent", num: true, cell: (r) => int(r.days_silent) },
    { head: "last ratings", cell: (r) => r.recent_ratings.join(" → ") || "–" },
  ], rows, "no stalled pairings");
}

let gapsLoaded = false;
async function gapsPanel(tier) {
  const q = tier === undefined || tier === "" ? "" : `?tier=${encodeURIComponent(tier)}`;
  const g = await api(`/analytics/gaps${q}`);
  const select = document.getElementById("gaps-tier");
  if (!gapsLoaded) {
    select.replaceChildren(...g.tiers.map((t) => el("option", { value: t, selected: t === g.tier }, t === 0 ? "0 (broadest)" : String(t))));
    gapsLoaded = true;
  }
  table("gaps", [
    { head: "skill group", cell: (r) => nodeLink(r.label, r.cluster_id), width: "22%" },
    { head: "goals", num: true, cell: (r) => int(r.goals), width: "9%" },
    { head: "confidence", num: true, cell: (r) => el("span", { title: `${r.low_confidence_goals} goals below 50%` }, pct(r.mean_confidence)), width: "15%" },
    { head: "mentors with room", num: true, cell: (r) => el("span", { title: `${r.mentors} willing mentors in all` }, int(r.supply)), width: "13%" },
    { head: "gap", num: true, cell: (r) => num(r.gap), width: "9%" },
    { head: "people to ask", cell: (r) => r.recruit.map((p, i) => [i ? ", " : "", named(p.name, p.id)]) },
  ], g.rows, "no gaps");
  await svgInto("chart-gaps", `gaps.svg?tier=${g.tier}`);
  return g;
}

async function loadPanel() {
  const load = await api("/analytics/load");
  const busiest = load.mentors.filter((m) => m.utilisation > 0).slice(0, 8);
  table("load", [
    { head: "mentor", cell: (m) => nodeLink(m.name, m.mentor_id), width: "34%" },
    { head: "mentees", num: true, cell: (m) => `${int(m.mentees)} of ${int(m.max_mentees)}` },
    { head: "hours / month", num: true, cell: (m) => `${num(m.hours_per_month)} of ${num(m.max_hours_per_month)}` },
    { head: "in use", num: true, cell: (m) => pct(m.utilisation) },
  ], busiest, "no mentor has a pairing yet");
  await svgInto("chart-load", "mentor-load.svg");
}

async function fairnessPanel(attribute) {
  const f = await api(`/analytics/fairness?attribute=${encodeURIComponent(attribute)}`);
  const small = 5;
  table("fairness", [
    { head: f.attribute.replace("attributes.", ""), cell: (g) => g.group },
    { head: "mentees", num: true, cell: (g) => int(g.members) },
    { head: "with a mentor", num: true, cell: (g) => (g.members < small ? el("span", { class: "muted", title: `fewer than ${small} mentees` }, "not enough data") : pct(g.rate)) },
  ], f.mentee_assignment.groups, "nobody to compare");
  await svgInto("chart-fairness", `fairness.svg?attribute=${encodeURIComponent(attribute)}`);
}

async function recognitionPanel() {
  const r = await api("/analytics/recognition");
  table("grown", [
    { head: "person", cell: (g) => nodeLink(g.name, g.person_id) },
    { head: "was a mentee in", cell: (g) => `${g.was_mentee_in || "–"} (mentor: ${g.mentored_by})` },
    { head: "mentoring since", cell: (g) => day(g.mentoring_since) },
    { head: "mentees now", num: true, cell: (g) => int(g.mentees_now) },
  ], r.grown, "nobody yet");
  table("impact", [
    { head: "mentor", cell: (m) => nodeLink(m.name, m.mentor_id), width: "22%" },
    { head: "program", cell: (m) => m.program },
    { head: "mentees", num: true, cell: (m) => int(m.mentees_supported) },
    { head: "goals", num: true, cell: (m) => el("span", { title: "goals their mentees achieved" }, int(m.goals_achieved)) },
    { head: "skills", num: true, cell: (m) => el("span", { title: `skills transferred: ${m.levels_gained} levels gained` }, int(m.skills_transferred)) },
    { head: "hours", num: true, cell: (m) => num(m.hours_given) },
    { head: "rating", num: true, cell: (m) => (m.avg_mentee_rating === null ? "–" : el("span", { title: `mentees' rating, ${m.mentee_ratings} ratings` }, num(m.avg_mentee_rating))) },
  ], r.by_program.slice(0, 12), "no mentoring yet");
  const s = await api("/mentors/suggested");
  table("suggested", [
    { head: "person", cell: (g) => nodeLink(g.name, g.person_id) },
    { head: "skill", cell: (g) => nodeLink(g.skill_label, g.skill_id) },
    { head: "level", num: true, cell: (g) => int(g.level) },
  ], s.data.slice(0, 12), "nobody yet");
  document.getElementById("recognition-csv").onclick = async (ev) => {
    ev.preventDefault();
    const text = await api("/analytics/recognition?format=csv", { kind: "text" });
    const a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: "recognition.csv" });
    a.click();
  };
  await svgInto("chart-recognition", "recognition.svg");
}

async function showNetwork(query) {
  const error = document.getElementById("network-error");
  error.textContent = "";
  let node = query.trim();
  if (!node) { error.textContent = "Type a skill or group label, or a person id."; return; }
  if (!/^demo-\d+$/.test(node) && !node.includes("/")) {
    // a label: the best taxonomy match (a skill first: people hold skills), else a person id as typed
    const hits = await api(`/taxonomy/search?q=${encodeURIComponent(node)}&limit=10`).catch(() => ({ data: [] }));
    const best = hits.data.find((n) => n.kind === "skill") || hits.data[0];
    if (best) node = best.id;
  }
  try {
    await svgInto("chart-network", `around.svg?node=${encodeURIComponent(node)}`);
  } catch (err) {
    error.textContent = errorText(err);
  }
}

// --- wiring ---------------------------------------------------------------------------------

async function panel(id, work) {
  // each panel reports its own failure in its own box
  try {
    await work();
  } catch (err) {
    const box = document.getElementById(id);
    box.querySelectorAll(".panel-error").forEach((e) => e.remove());
    box.append(el("p", { class: "error panel-error", role: "alert" }, "Could not load this panel: " + errorText(err)));
  }
}

async function start() {
  const status = document.getElementById("status");
  status.textContent = "Loading…";
  delete document.body.dataset.loaded;
  await Promise.all([
    panel("panel-health", healthPanel),
    panel("panel-gaps", async () => {
      const g = await gapsPanel();
      if (g.rows.length) await showNetwork(g.rows[0].cluster_id);
    }),
    panel("panel-load", loadPanel),
    panel("panel-fairness", () => fairnessPanel(document.getElementById("fairness-attr").value)),
    panel("panel-recognition", recognitionPanel),
  ]);
  status.textContent = `Figures as of ${new Date().toLocaleString("en-GB")}.`;
  document.body.dataset.loaded = "true";
}

document.getElementById("gaps-tier").addEventListener("change", (ev) => panel("panel-gaps", () => gapsPanel(ev.target.value)));
document.getElementById("fairness-attr").addEventListener("change", (ev) => panel("panel-fairness", () => fairnessPanel(ev.target.value)));
document.getElementById("network-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  panel("panel-network", () => showNetwork(document.getElementById("network-node").value));
});

const signIn = () => MG.signIn({
  need: ["coordinator", "admin"],
  roleText: "a coordinator or admin",
  what: "the L&D dashboard",
  ready: start,
});
MG.wireSwitchKey(signIn);
signIn();
