// Shared by the dashboard and the competency-map pages: the API key, calls to /v1, errors in
// words, number formatting and small DOM helpers. The key comes from the URL fragment
// (#key=..., never sent to the server or its logs) or the key form, and lives only in this
// tab's sessionStorage.
"use strict";

const MG = (() => {
  const STORE = "mentorgraph-key";
  const KEY_SHAPE = /^mg_[A-Za-z0-9_-]{20,}$/;

  function key() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
    if (fromHash) {
      sessionStorage.setItem(STORE, fromHash);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(STORE);
  }
  const setKey = (k) => sessionStorage.setItem(STORE, k);
  const clearKey = () => sessionStorage.removeItem(STORE);

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || [];
    }
  }

  // fetch /v1<path>; JSON or text back; an ApiError with the API's own message otherwise
  async function api(path, { method = "GET", body, kind = "json" } = {}) {
    const headers = { Authorization: "Bearer " + (key() || "") };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch("/v1" + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "network", "the service did not answer (" + err.message + ")");
    }
    if (!res.ok) {
      let message = res.statusText || "request failed", code = "", details = [];
      try {
        const e = (await res.json()).error;
        message = e.message; code = e.code; details = e.details || [];
      } catch (_) { /* not our JSON error shape */ }
      throw new ApiError(res.status, code, message, details);
    }
    return kind === "json" ? res.json() : res.text();
  }

  // "HTTP 422: label must not be empty (body.label: ...)" in words a person reads
  function errorText(err) {
    if (!(err instanceof ApiError)) return String(err && err.message ? err.message : err);
    const parts = (err.details || [])
      .map((d) => [d.field, d.reason].filter(Boolean).join(": "))
      .filter(Boolean);
    return err.message + (parts.length ? " (" + parts.join("; ") + ")" : "");
  }

  const nf0 = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
  const int = (n) => (n === null || n === undefined ? "–" : nf0.format(n));
  const num = (n) => (n === null || n === undefined ? "–" : Math.abs(n) >= 100 ? nf0.format(n) : nf1.format(n));
  function pct(x) {
    if (x === null || x === undefined) return "–";
    const p = x * 100;
    return p > 0 && p < 1 ? p.toFixed(1) + "%" : Math.round(p) + "%";
  }
  function day(iso) {
    if (!iso) return "–";
    const d = new Date(iso.length === 10 ? iso + "T12:00:00Z" : iso);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  // el("td", {class: "num", title: "x"}, "text", child...)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // a name with the id on hover
  const named = (name, id) => el("span", { title: id }, name || id);

  // A table body from rows; `cols` = [{head, num, cell: (row) => text|Node}]
  function table(target, cols, rows, empty) {
    const t = typeof target === "string" ? document.getElementById(target) : target;
    const head = el("tr", {}, cols.map((c) => el("th", { class: c.num ? "num" : null, scope: "col", style: c.width ? "width:" + c.width : null }, c.head)));
    const body = rows.length
      ? rows.map((r) => el("tr", {}, cols.map((c) => el("td", { class: c.num ? "num" : null }, c.cell(r)))))
      : [el("tr", {}, el("td", { colspan: cols.length, class: "muted" }, empty || "none"))];
    t.replaceChildren(...(t.querySelector("caption") ? [t.querySelector("caption")] : []),
      el("thead", {}, head), el("tbody", {}, body));
  }

  // The key panel: shown with a message when there is no usable key for this page.
  function askForKey(message, onKey) {
    const panel = document.getElementById("keypanel");
    document.getElementById("app").hidden = true;
    panel.hidden = false;
    document.getElementById("key-message").textContent = message;
    const form = document.getElementById("key-form");
    const input = document.getElementById("key-input");
    const error = document.getElementById("key-error");
    error.textContent = "";
    input.value = "";
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const value = input.value.trim();
      if (!value) { error.textContent = "Enter a key first."; input.focus(); return; }
      if (!KEY_SHAPE.test(value)) {
        error.textContent = "That does not look like a mentorgraph key: keys start with mg_ " +
          "followed by letters, digits, - and _ (no spaces).";
        input.focus();
        return;
      }
      setKey(value);
      panel.hidden = true;
      onKey();
    };
    input.focus();
  }

  // Check the key with /v1/me; `need` roles (any of) for full use. Calls ready(me, full).
  // `readOnly`: a key without the roles may still use the page, read-only.
  async function signIn({ need, roleText, what, readOnly = false, ready }) {
    const again = () => signIn({ need, roleText, what, readOnly, ready });
    if (!key()) {
      askForKey(readOnly
        ? `Enter an API key to open ${what} (any role can read it; editing needs ${roleText} key).`
        : `Enter ${roleText} API key to open ${what}.`, again);
      return;
    }
    let me;
    try {
      me = await api("/me");
    } catch (err) {
      if (err.status === 401) {
        clearKey();
        askForKey(`That key was refused: ${err.message}. Enter another key.`, again);
        return;
      }
      askForKey(`Could not check the key: ${errorText(err)}.`, again);
      return;
    }
    const full = need.some((r) => me.roles.includes(r));
    if (!full && !readOnly) {
      const who = me.roles.join(", ") + (me.person_id ? ` key for ${me.person_id}` : " key");
      askForKey(`This is a ${who}; ${what} needs ${roleText} key. Enter another key.`, again);
      return;
    }
    document.getElementById("keypanel").hidden = true;
    document.getElementById("app").hidden = false;
    const whoEl = document.getElementById("who");
    whoEl.textContent = `signed in: ${me.roles.join(", ")}${me.person_id ? " (" + me.person_id + ")" : ""}` +
      (full ? "" : " · read-only");
    document.getElementById("switch-key").hidden = false;
    await ready(me, full);
  }

  function wireSwitchKey(onSwitch) {
    document.getElementById("switch-key").addEventListener("click", () => {
      clearKey();
      document.getElementById("who").textContent = "";
      document.getElementById("switch-key").hidden = true;
      onSwitch();
    });
  }

  return { key, setKey, clearKey, api, ApiError, errorText, int, num, pct, day, el, named, table, signIn, wireSwitchKey, askForKey };
})();
