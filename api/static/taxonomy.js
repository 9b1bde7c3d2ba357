// The competency map in the browser: browse, search, a node with its history; for stewards,
// every edit with a reason, previewed (diff and who it affects) before it is applied.
"use strict";

const { api, el, named, int, pct, day, errorText } = MG;
const enc = encodeURIComponent;
const HISTORY_PAGE = 10;
const DIFF_PAGE = 50;
const WHAT = { field: "changed", "holders moved": "people holding it", "goals retargeted": "goals moved" };

const S = {
  node: null, // the NodeView shown
  canEdit: false,
  names: false, // the key may see holders' names
  historyOffset: 0,
  historyAll: false,
  op: null, // the edit being prepared: {op, node_id | change_id, body, summary}
  picker: null, // {label, pick(node)} while choosing a node from the search results
  form: {}, // picked values of the open edit form
  diff: null, // {change_id, offset}
};

const $ = (id) => document.getElementById(id);

// --- browse and search ------------------------------------------------------------------------

function nodeButton(n, extra) {
  return el("button", { type: "button", class: "linkish", title: n.id, onclick: () => openNode(n.id) },
    n.label + (extra || ""));
}

async function loadRoots() {
  const roots = await api("/taxonomy/roots");
  $("browse-crumbs").textContent = "Top of the map";
  $("browse-list").replaceChildren(...roots.data.map((n) =>
    el("li", {}, nodeButton(n), el("span", { class: "muted" }, `${n.code ? n.code + " · " : ""}${n.kind === "cluster" ? "skill group" : "skill"}`))));
}

async function search(ev) {
  if (ev) ev.preventDefault();
  const q = $("search-q").value.trim();
  $("search-error").textContent = "";
  if (!q) { $("search-error").textContent = "Type a label, alias, code or id."; return; }
  try {
    const res = await api(`/taxonomy/find?q=${enc(q)}&limit=25`);
    $("search-results").replaceChildren(...(res.data.length ? res.data.map((h) => {
      const how = h.matched === "alias" ? `alias “${h.alias}”` : h.matched;
      const li = el("li", { "data-id": h.node.id },
        nodeButton(h.node, h.node.status === "deprecated" ? " (deprecated)" : ""),
        el("span", { class: "muted" }, `${h.node.code ? h.node.code + " · " : ""}by ${how} · ${h.path.slice(0, -1).join(" › ") || "top"}`));
      if (S.picker) {
        li.append(el("button", { type: "button", class: "pick", onclick: () => S.picker.pick(h.node) }, S.picker.label));
      }
      return li;
    }) : [el("li", { class: "muted" }, "Nothing found.")]));
  } catch (err) {
    $("search-error").textContent = errorText(err);
  }
}

async function openNode(id, { keepHistory = false } = {}) {
  let v;
  try {
    v = await api(`/taxonomy/view?node=${enc(id)}`);
  } catch (err) {
    $("node-title").textContent = "Not found";
    $("node-description").textContent = errorText(err);
    return;
  }
  S.node = v;
  const n = v.node;
  const url = new URL(location.href);
  url.searchParams.set("node", n.id);
  history.replaceState(null, "", url.pathname + url.search);
  $("node-path").replaceChildren(...[...v.path_to_root].reverse().flatMap((p, i) => [i ? " › " : "", nodeButton(p)]));
  $("node-title").textContent = n.label;
  $("node-tags").replaceChildren(...[
    el("span", { class: "chip" }, n.kind === "cluster" ? "skill group" : "skill"),
    n.code ? el("span", { class: "chip" }, "code " + n.code) : null,
    el("span", { class: "chip status-" + n.status }, n.status),
    el("span", { class: "chip" }, "source: " + n.source),
  ].filter(Boolean));
  $("node-description").textContent = n.description || "No description.";
  $("node-facts").replaceChildren(
    el("dt", {}, "id"), el("dd", {}, n.id),
    el("dt", {}, "broader"), el("dd", {}, v.parents.length ? v.parents.flatMap((p, i) => [i ? ", " : "", nodeButton(p)]) : "none (top of the map)"),
    ...(v.replaced_by.length ? [el("dt", {}, "replaced by"), el("dd", {}, v.replaced_by.flatMap((p, i) => [i ? ", " : "", nodeButton(p)]))] : []),
  );
  $("node-aliases").replaceChildren(...(n.aliases.length ? n.aliases.map((a) => el("span", { class: "chip" }, a)) : [el("span", { class: "muted" }, "none")]));
  $("node-children").replaceChildren(...(v.children.length ? v.children.map((c) =>
    el("li", {}, nodeButton(c, c.status === "deprecated" ? " (deprecated)" : ""), el("span", { class: "muted" }, c.kind === "cluster" ? "skill group" : "skill")))
    : [el("li", { class: "muted" }, "none")]));
  if (v.children_total > v.children.length) $("node-children").append(el("li", { class: "muted" }, `and ${int(v.children_total - v.children.length)} more`));
  $("node-usage").textContent = `${int(v.holders)} people hold it (${int(v.mentors)} willing to mentor it); ${int(v.goals)} goals aim at it.` +
    (v.holder_list === null ? " Names are shown to coordinators only." : "");
  const people = $("node-people");
  people.replaceChildren();
  if (v.holder_list && v.holder_list.length) {
    people.append(el("p", {}, el("b", {}, "Holders: "), v.holder_list.flatMap((p, i) => [i ? ", " : "", named(`${p.name} (${p.level}${p.willing_to_mentor ? ", mentors" : ""})`, p.id)])));
  }
  if (v.goal_list && v.goal_list.length) {
    people.append(el("p", {}, el("b", {}, "Goals: "), v.goal_list.flatMap((g, i) => [i ? "; " : "", named(g.person_name, g.person_id), ": “" + g.text + "” (" + pct(g.confidence) + ")"])));
  }
  // browse column follows the node
  $("browse-crumbs").replaceChildren(el("button", { type: "button", class: "linkish", onclick: loadRoots }, "Top"), " › ",
    ...[...v.path_to_root].reverse().flatMap((p) => [nodeButton(p), " › "]), n.label);
  $("browse-list").replaceChildren(...(v.children.length ? v.children.map((c) => el("li", {}, nodeButton(c))) : [el("li", { class: "muted" }, "nothing narrower")]));
  $("edit-panel").hidden = !S.canEdit;
  if (!keepHistory) {
    S.historyAll = false;
    S.historyOffset = 0;
  }
  closeEdit();
  await loadHistory();
  document.body.dataset.node = n.id;
}

// --- history ---------------------------------------------------------------------------------

async function loadHistory() {
  const node = S.historyAll || !S.node ? null : S.node.node.id;
  $("history-scope").textContent = node ? `Changes that touched “${S.node.node.label}”, newest first.` : "All changes to the map, newest first.";
  const q = `offset=${S.historyOffset}&limit=${HISTORY_PAGE}` + (node ? `&node=${enc(node)}` : "");
  const page = await api(`/taxonomy/history?${q}`);
  $("history-list").replaceChildren(...(page.data.length ? page.data.map(historyItem) : [el("li", { class: "muted" }, "no changes")]));
  $("history-newer").disabled = S.historyOffset === 0;
  $("history-older").disabled = !page.has_more;
}

function diffTable(target, rows) {
  MG.table(target, [
    { head: "node", cell: (r) => named(r.node_label, r.node_id), width: "30%" },
    { head: "what", cell: (r) => (WHAT[r.what] || r.what) + (r.field ? ": " + r.field.replace("_", " ") : "") },
    { head: "before", cell: (r) => show(r.before) },
    { head: "after", cell: (r) => show(r.after) },
  ], rows, "no rows");
}

function show(v) {
  if (v === null || v === undefined) return "–";
  if (Array.isArray(v)) return v.length ? v.join(", ") : "(none)";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function historyItem(c) {
  const li = el("li", { "data-change": c.id, "data-op": c.op },
    el("b", {}, c.summary),
    el("span", { class: "muted" }, `${day(c.at)} · ${c.actor_name}${c.reason ? " · “" + c.reason + "”" : ""}` +
      (c.reverted_by ? " · reverted" : "") + (c.reverts ? " · undoes an earlier change" : "")));
  if (c.affected.people || c.affected.goals) {
    li.append(el("span", { class: "muted" }, `moved ${int(c.affected.people)} people's skills and ${int(c.affected.goals)} goals`));
  }
  if (c.diff.length) {
    const t = el("table");
    diffTable(t, c.diff);
    li.append(el("details", {}, el("summary", {}, `what changed (${int(c.diff_total)} rows)`), el("div", { class: "table-wrap" }, t)));
  }
  const tools = el("div", { class: "toolbar" });
  if (c.counts) tools.append(el("button", { type: "button", onclick: () => openDiff(c.id, c.summary, 0) }, "See the whole diff"));
  if (S.canEdit && c.revertable) tools.append(el("button", { type: "button", class: "revert", onclick: () => startRevert(c) }, "Revert…"));
  if (tools.childNodes.length) li.append(tools);
  return li;
}

async function openDiff(changeId, summary, offset) {
  S.diff = { change_id: changeId, summary, offset };
  const page = await api(`/taxonomy/changes/${enc(changeId)}/diff?offset=${offset}&limit=${DIFF_PAGE}`);
  $("diff-view").hidden = false;
  $("diff-title").textContent = `${summary} — rows ${int(offset + 1)}–${int(Math.min(offset + DIFF_PAGE, page.total))} of ${int(page.total)}`;
  diffTable("diff-table", page.data);
  $("diff-prev").disabled = offset === 0;
  $("diff-next").disabled = offset + DIFF_PAGE >= page.total;
}

// --- editing ---------------------------------------------------------------------------------

const APPLY = {
  rename: (id) => `/taxonomy/nodes/${enc(id)}/rename`,
  describe: (id) => `/taxonomy/nodes/${enc(id)}/describe`,
  add_alias: (id) => `/taxonomy/nodes/${enc(id)}/aliases`,
  remove_alias: (id) => `/taxonomy/nodes/${enc(id)}/aliases/remove`,
  move: (id) => `/taxonomy/nodes/${enc(id)}/move`,
  merge: (id) => `/taxonomy/nodes/${enc(id)}/merge`,
  split: (id) => `/taxonomy/nodes/${enc(id)}/split`,
  deprecate: (id) => `/taxonomy/nodes/${enc(id)}/deprecate`,
  revert: (cid) => `/taxonomy/changes/${enc(cid)}/revert`,
};

const TITLES = {
  rename: "Rename", describe: "Describe", add_alias: "Add an alias", remove_alias: "Remove an alias",
  move: "Move under other skill groups", merge: "Merge into another node", split: "Split into new nodes",
  deprecate: "Deprecate", revert: "Revert a change",
};

function field(label, input, help) {
  const id = input.id;
  return [el("label", { for: id }, label), input, help ? el("p", { class: "muted", style: "margin:2px 0" }, help) : null];
}

function pickerTo(label, pick) {
  S.picker = { label, pick };
  $("picker-note").hidden = false;
  $("picker-note").textContent = `Search on the left and press “${label}” on a result.`;
  $("search-q").focus();
  if ($("search-q").value.trim()) search();
}

function stopPicker() {
  S.picker = null;
  $("picker-note").hidden = true;
}

function renderChosen(id, nodes, removable) {
  const box = $(id);
  box.replaceChildren(...(nodes.length ? nodes.map((n, i) => el("span", { class: "chip", title: n.id }, n.label,
    removable ? el("button", { type: "button", class: "linkish", "aria-label": "remove " + n.label, onclick: () => { nodes.splice(i, 1); renderChosen(id, nodes, removable); } }, " ×") : null))
    : [el("span", { class: "muted" }, "none chosen")]));
}

function startEdit(op, extra) {
  const n = S.node && S.node.node;
  if (!n && op !== "revert") return;
  S.op = { op, ...(extra || {}) };
  S.form = {};
  stopPicker();
  $("preview").hidden = true;
  $("edit-done").textContent = "";
  $("edit-error").textContent = "";
  $("edit-reason").value = "";
  $("edit-form").hidden = false;
  $("edit-legend").textContent = `${TITLES[op]}${op === "revert" ? "" : ": " + n.label}`;
  const f = $("edit-fields");
  f.replaceChildren();
  if (op === "rename") {
    f.append(...field("New label", el("input", { id: "f-label", type: "text", value: n.label, maxlength: 500 })),
      el("label", {}, el("input", { id: "f-keep", type: "checkbox", checked: true }), " keep the old label as an alias (so searches and goal mapping still find it)"));
  } else if (op === "describe") {
    const t = el("textarea", { id: "f-description", rows: 4, maxlength: 10000 });
    t.value = n.description;
    f.append(...field("Description", t));
  } else if (op === "add_alias") {
    f.append(...field("Alias", el("input", { id: "f-alias", type: "text", maxlength: 500 }), "Another name people use, in any language."));
  } else if (op === "remove_alias") {
    f.append(...field("Alias to remove", el("select", { id: "f-alias" }, el("option", { value: "" }, "— choose —"), n.aliases.map((a) => el("option", { value: a }, a)))));
  } else if (op === "move") {
    S.form.parents = S.node.parents.map((p) => ({ id: p.id, label: p.label }));
    f.append(el("p", {}, "Skill groups it sits under (it may sit under several):"), el("div", { class: "chips", id: "f-parents" }),
      el("button", { type: "button", onclick: () => pickerTo("Add as parent", (node) => { if (!S.form.parents.some((p) => p.id === node.id)) S.form.parents.push(node); renderChosen("f-parents", S.form.parents, true); }) }, "Add a skill group…"));
    renderChosen("f-parents", S.form.parents, true);
  } else if (op === "merge") {
    S.form.into = [];
    f.append(el("p", {}, `“${n.label}” goes away; its holders, goals and aliases move to:`), el("div", { class: "chips", id: "f-into" }),
      el("button", { type: "button", id: "f-pick-into", onclick: () => pickerTo("Merge into this", (node) => { S.form.into = [node]; renderChosen("f-into", S.form.into, false); stopPicker(); }) }, "Choose the node to keep…"));
    renderChosen("f-into", S.form.into, false);
    $("f-pick-into").click(); // the one thing a merge needs: start choosing it
  } else if (op === "split") {
    const t = el("textarea", { id: "f-split", rows: 4, placeholder: "company:skill/x | first new label\ncompany:skill/y | second new label" });
    f.append(...field("New nodes, one per line: id | label", t, "At least two. Everyone who holds it and every goal aimed at it moves to all of them."));
  } else if (op === "deprecate") {
    S.form.replacement = [];
    f.append(el("p", {}, "Optional: a node that replaces it (holders and goals move there). Without one, it can only be deprecated when nothing uses it."),
      el("div", { class: "chips", id: "f-replacement" }),
      el("button", { type: "button", onclick: () => pickerTo("Replace with this", (node) => { S.form.replacement = [node]; renderChosen("f-replacement", S.form.replacement, true); stopPicker(); }) }, "Choose a replacement…"));
    renderChosen("f-replacement", S.form.replacement, true);
  } else if (op === "revert") {
    f.append(el("p", {}, `Undo: ${extra.summary}. Refused if a later change touched the same nodes.`));
  }
  $("edit-form").scrollIntoView({ block: "nearest" });
}

function startRevert(change) {
  startEdit("revert", { change_id: change.id, summary: change.summary });
}

// The body the edit's route takes, or a message saying what to fix.
function formBody() {
  const op = S.op.op;
  const reason = $("edit-reason").value.trim();
  if (!reason) return { error: "Give a reason: it is kept in the history for whoever comes next." };
  if (op === "rename") {
    const label = $("f-label").value.trim();
    if (!label) return { error: "The new label cannot be empty." };
    if (label === S.node.node.label) return { error: "That is the current label." };
    return { body: { label, keep_old_as_alias: $("f-keep").checked, reason } };
  }
  if (op === "describe") return { body: { description: $("f-description").value.trim(), reason } };
  if (op === "add_alias" || op === "remove_alias") {
    const alias = $("f-alias").value.trim();
    if (!alias) return { error: op === "add_alias" ? "Type the alias to add." : "Choose the alias to remove." };
    return { body: { alias, reason } };
  }
  if (op === "move") return { body: { parent_ids: S.form.parents.map((p) => p.id), reason } };
  if (op === "merge") {
    if (!S.form.into.length) return { error: "Choose the node to merge into." };
    if (S.form.into[0].id === S.node.node.id) return { error: "A node cannot be merged into itself." };
    return { body: { into: S.form.into[0].id, reason } };
  }
  if (op === "split") {
    const lines = $("f-split").value.split("\n").map((l) => l.trim()).filter(Boolean);
    const into = [];
    for (const [i, line] of lines.entries()) {
      const [id, label] = line.split("|").map((x) => (x || "").trim());
      if (!id || !label) return { error: `Line ${i + 1}: write "id | label".` };
      into.push({ id, label });
    }
    if (into.length < 2) return { error: "A split needs at least two new nodes." };
    return { body: { into, reason } };
  }
  if (op === "deprecate") return { body: { replacement_id: S.form.replacement.length ? S.form.replacement[0].id : null, reason } };
  return { body: { reason } }; // revert
}

async function preview(ev) {
  ev.preventDefault();
  $("edit-error").textContent = "";
  const { body, error } = formBody();
  if (error) { $("edit-error").textContent = error; return; }
  S.op.body = body;
  const req = { op: S.op.op, body };
  if (S.op.op === "revert") req.change_id = S.op.change_id; else req.node_id = S.node.node.id;
  let p;
  try {
    p = await api("/taxonomy/preview", { method: "POST", body: req });
  } catch (err) {
    $("edit-error").textContent = errorText(err);
    return;
  }
  stopPicker();
  const c = p.change;
  $("preview-summary").textContent = `${c.summary}. Reason: “${c.reason}”.`;
  const now = p.affected_now;
  $("preview-affected").textContent =
    `Who is affected: ${int(now.holders)} people hold ${c.nodes > 1 ? "these nodes" : "it"} now (${int(now.mentors)} mentor in it) and ${int(now.goals)} goals aim at ${c.nodes > 1 ? "them" : "it"}; ` +
    `this change moves ${int(c.affected.people)} people's skills and ${int(c.affected.goals)} goals' targets.`;
  diffTable("preview-diff", c.diff);
  $("edit-form").hidden = true;
  $("preview").hidden = false;
  $("apply-error").textContent = "";
  $("preview-apply").focus();
}

async function apply() {
  const op = S.op;
  const path = op.op === "revert" ? APPLY.revert(op.change_id) : APPLY[op.op](S.node.node.id);
  let change;
  try {
    change = await api(path, { method: "POST", body: op.body });
  } catch (err) {
    $("apply-error").textContent = errorText(err);
    return;
  }
  $("preview").hidden = true;
  S.op = null;
  const id = S.node.node.id;
  await openNode(id);
  $("edit-done").textContent = `Applied (${change.op}, change ${change.id}).`;
}

function closeEdit() {
  S.op = null;
  stopPicker();
  $("edit-form").hidden = true;
  $("preview").hidden = true;
}

// --- wiring ----------------------------------------------------------------------------------

$("search-form").addEventListener("submit", search);
$("edit-ops").addEventListener("click", (ev) => { const op = ev.target.dataset && ev.target.dataset.op; if (op) startEdit(op); });
$("edit-form").addEventListener("submit", preview);
$("edit-cancel").addEventListener("click", closeEdit);
$("preview-back").addEventListener("click", () => { $("preview").hidden = true; $("edit-form").hidden = false; });
$("preview-apply").addEventListener("click", apply);
$("history-newer").addEventListener("click", () => { S.historyOffset = Math.max(0, S.historyOffset - HISTORY_PAGE); loadHistory(); });
$("history-older").addEventListener("click", () => { S.historyOffset += HISTORY_PAGE; loadHistory(); });
$("history-all").addEventListener("click", () => { S.historyAll = !S.historyAll; S.historyOffset = 0; $("history-all").textContent = S.historyAll ? "This node only" : "All changes"; loadHistory(); });
$("diff-prev").addEventListener("click", () => openDiff(S.diff.change_id, S.diff.summary, Math.max(0, S.diff.offset - DIFF_PAGE)));
$("diff-next").addEventListener("click", () => openDiff(S.diff.change_id, S.diff.summary, S.diff.offset + DIFF_PAGE));
$("diff-close").addEventListener("click", () => { $("diff-view").hidden = true; });

async function start(me, full) {
  S.canEdit = me.roles.includes("steward");
  S.names = me.roles.includes("coordinator") || me.roles.includes("admin");
  await loadRoots();
  const wanted = new URLSearchParams(location.search).get("node");
  if (wanted) await openNode(wanted);
  else await loadHistory();
  document.body.dataset.loaded = "true";
}

const signIn = () => MG.signIn({
  need: ["steward"],
  roleText: "a steward",
  what: "the competency map",
  readOnly: true,
  ready: start,
});
MG.wireSwitchKey(signIn);
signIn();
