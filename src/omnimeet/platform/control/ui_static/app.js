/* omnimeet dashboard: polls the control API every second and updates the page in place.
   Every piece of data goes into the page as text (textContent), never as HTML. */
"use strict";

(function () {
  const BASE = location.pathname.replace(/\/ui\/?$/, "");
  const TOKEN_KEY = "omnimeet.controlToken";
  const POLL_MS = 1000;
  const state = { view: "rooms", vendors: [], polls: 0, selectedRequest: null, running: null, again: false };

  const $ = (id) => document.getElementById(id);

  /* --- DOM helpers --------------------------------------------------------------------------------- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name === "class") node.className = value;
      else if (name === "testid") node.dataset.testid = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /* Keeps container's children in the order of items, one element per key: an element whose item did
     not change stays untouched (so a click on it is never lost to a redraw). */
  function sync(container, items, keyOf, render) {
    const existing = new Map();
    for (const child of Array.from(container.children)) existing.set(child.dataset.key, child);
    let previous = null;
    for (const item of items) {
      const key = String(keyOf(item));
      const signature = JSON.stringify(item);
      let node = existing.get(key);
      if (node && node.dataset.sig !== signature) {
        const fresh = render(item);
        node.replaceWith(fresh);
        node = fresh;
      } else if (!node) {
        node = render(item);
      }
      existing.delete(key);
      node.dataset.key = key;
      node.dataset.sig = signature;
      const expected = previous ? previous.nextSibling : container.firstChild;
      if (node !== expected) container.insertBefore(node, expected);
      previous = node;
    }
    for (const stale of existing.values()) stale.remove();
  }

  function setOptions(select, values, labelOf) {
    const wanted = [""].concat(values);
    const current = Array.from(select.options).map((o) => o.value);
    if (JSON.stringify(current) === JSON.stringify(wanted)) return;
    const chosen = select.value;
    select.replaceChildren(...wanted.map((v) => el("option", { value: v, text: v === "" ? "all" : labelOf ? labelOf(v) : v })));
    select.value = wanted.includes(chosen) ? chosen : "";
  }

  const fmt = (value) => (value === null || value === undefined || value === "" ? "—" : String(value));

  function prettyBody(text) {
    if (!text) return "(empty)";
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text; }
  }

  function headerText(headers) {
    return Object.entries(headers || {}).map(([k, v]) => k + ": " + v).join("\n") || "(no headers)";
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  /* --- the control API ---------------------------------------------------------------------------- */

  class Unauthorized extends Error {}

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(BASE + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
    });
    if (response.status === 401) {
      askForToken(token ? "That token was refused." : "");
      throw new Unauthorized("unauthorized");
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const detail = data && data.details ? " " + JSON.stringify(data.details) : "";
      throw new Error((data && data.message ? data.message : "HTTP " + response.status) + detail);
    }
    return data;
  }

  function askForToken(problem) {
    sessionStorage.removeItem(TOKEN_KEY);
    const note = $("token-problem");
    note.textContent = problem || "";
    note.hidden = !problem;
    if ($("token-dialog").hidden) {
      $("token-dialog").hidden = false;
      $("token-input").value = "";
      $("token-input").focus();
    }
  }

  /* --- views --------------------------------------------------------------------------------------- */

  function renderRoom(room) {
    const session = room.session;
    const participants = el("ul", { class: "people" });
    for (const p of session ? session.participants : []) {
      participants.append(el("li", { testid: "room-participant", "data-participant-id": p.id },
        el("strong", { text: fmt(p.name) }), " ", el("span", { class: "muted", text: p.role || "" }),
        " ", el("span", { class: "muted small", text: "joined " + p.joined_at })));
    }
    const recordings = el("ul", { class: "recordings" });
    for (const r of room.recordings) {
      recordings.append(el("li", { testid: "recording-row", "data-status": r.status, "data-recording-id": r.id },
        el("span", { class: "badge status-" + r.status, text: r.status }), " ", el("code", { text: r.id }),
        r.filename ? el("span", { class: "muted small", text: " " + r.filename }) : null,
        r.size !== null ? el("span", { class: "muted small", text: " " + r.size + " bytes" }) : null));
    }
    return el("article", { class: "card", testid: "room-row", "data-vendor": room.vendor, "data-tenant": room.tenant, "data-room-id": room.id },
      el("div", { class: "card-head" },
        el("span", { class: "badge vendor", text: room.vendor }),
        el("code", { class: "room-id", text: room.id }),
        room.name ? el("span", { class: "room-name", text: room.name }) : null,
        room.expired ? el("span", { class: "badge status-failed", text: "expired" }) : null),
      el("div", { class: "muted small", text: "tenant " + room.tenant + " · created " + room.created_at + (room.expires_at ? " · expires " + room.expires_at : "") }),
      session
        ? el("div", { class: "session" }, el("span", { class: "badge status-active", text: "live" }),
            " session ", el("code", { text: session.id }), " since " + fmt(session.started_at),
            " · " + session.participants.length + " present")
        : el("div", { class: "muted", text: "no live session" }),
      session && session.participants.length ? participants : null,
      room.recordings.length ? el("div", { class: "small" }, "Recordings", recordings) : null);
  }

  function renderEvent(e) {
    return el("tr", { testid: "event-row", "data-event-id": e.id, "data-vendor": e.vendor || "" },
      el("td", { text: fmt(e.vendor) }), el("td", { text: e.tenant }), el("td", {}, el("code", { text: e.id })),
      el("td", { text: fmt(e.title) + (e.recurring ? " (recurring)" : "") }), el("td", { text: e.status }),
      el("td", { text: fmt(e.starts_at) }), el("td", { text: fmt(e.ends_at) }), el("td", { text: fmt(e.room_id) }));
  }

  async function pollRooms() {
    const params = new URLSearchParams();
    if ($("filter-vendor").value) params.set("vendor", $("filter-vendor").value);
    if ($("filter-tenant").value) params.set("tenant", $("filter-tenant").value);
    const data = await api("GET", "/overview?" + params);
    state.vendors = data.vendors;
    setOptions($("filter-vendor"), data.vendors);
    const tenants = Array.from(new Set(data.tenants
      .filter((t) => !$("filter-vendor").value || t.vendor === $("filter-vendor").value)
      .map((t) => t.tenant))).sort();
    if ($("filter-tenant").value && !tenants.includes($("filter-tenant").value)) tenants.push($("filter-tenant").value);
    setOptions($("filter-tenant"), tenants);
    sync($("rooms"), data.rooms, (r) => r.vendor + "/" + r.id, renderRoom);
    sync($("events"), data.events, (e) => e.tenant + "/" + e.id, renderEvent);
    $("rooms-empty").hidden = data.rooms.length > 0;
    $("events-empty").hidden = data.events.length > 0;
    $("rooms-summary").textContent = data.rooms_total > data.rooms.length
      ? "showing the newest " + data.rooms.length + " of " + data.rooms_total + " rooms"
      : data.rooms.length + " room(s)";
  }

  function journalQuery() {
    const params = new URLSearchParams({ limit: "200" });
    const vendor = $("journal-filter-vendor").value;
    const method = $("journal-filter-method").value;
    const status = $("journal-filter-status").value.trim();
    let path = $("journal-filter-path").value.trim();
    if (vendor) params.set("vendor", vendor);
    if (method) params.set("method", method);
    if (status) params.set("status", status);
    if (path) {
      if (!/[*?[]/.test(path)) path = "*" + path + "*";
      params.set("path", path);
    }
    return params;
  }

  function renderRequest(r) {
    const row = el("tr", {
      testid: "journal-row", "data-id": r.id, "data-method": r.method, "data-status": r.status === null ? "" : r.status,
      "data-path": r.path, "data-vendor": r.vendor, tabindex: "0", class: state.selectedRequest === r.id ? "selected" : "",
      onclick: () => openRequest(r.id),
      onkeydown: (event) => { if (event.key === "Enter") openRequest(r.id); },
    },
      el("td", { text: r.id }), el("td", { class: "small", text: r.time }), el("td", { text: r.vendor }),
      el("td", { text: fmt(r.tenant) }), el("td", { text: r.method }),
      el("td", {}, el("code", { text: r.path + (r.query ? "?" + r.query : "") })),
      el("td", { class: "status-code s" + String(r.status).charAt(0), text: r.status === null ? "dropped" : r.status }),
      el("td", { text: Math.round(r.duration_ms) }));
    return row;
  }

  async function pollJournal() {
    setOptions($("journal-filter-vendor"), state.vendors);
    const data = await api("GET", "/requests?" + journalQuery());
    const newestFirst = data.requests.slice().reverse();
    sync($("journal"), newestFirst.map((r) => Object.assign({}, r, { selected: state.selectedRequest === r.id })), (r) => r.id, renderRequest);
    $("journal-empty").hidden = data.requests.length > 0;
    $("journal-summary").textContent = data.total > data.requests.length
      ? "newest " + data.requests.length + " of " + data.total : data.total + " request(s)";
  }

  async function openRequest(id) {
    state.selectedRequest = id;
    for (const row of $("journal").children) row.classList.toggle("selected", row.dataset.key === String(id));
    try {
      const r = await api("GET", "/requests/" + encodeURIComponent(id));
      $("journal-detail-title").textContent = r.method + " " + r.path + (r.query ? "?" + r.query : "") + " → " + (r.status === null ? "dropped" : r.status);
      $("journal-request-headers").textContent = headerText(r.request.headers);
      $("journal-request-body").textContent = prettyBody(r.request.body) + (r.request.truncated ? "\n… (truncated)" : "");
      $("journal-response-headers").textContent = headerText(r.response.headers);
      $("journal-response-body").textContent = prettyBody(r.response.body) + (r.response.truncated ? "\n… (truncated)" : "");
      $("journal-detail").hidden = false;
    } catch (error) {
      if (!(error instanceof Unauthorized)) showError(error.message);
    }
  }

  function renderDelivery(d) {
    const attempts = el("ol", { class: "attempts", testid: "delivery-attempts" });
    for (const a of d.attempts) {
      attempts.append(el("li", { text: a.at + " → " + (a.status_code === null ? "no answer" : a.status_code) + (a.error ? " (" + a.error + ")" : "") + " in " + a.duration_ms + " ms" }));
    }
    if (!d.attempts.length) attempts.append(el("li", { class: "muted", text: "no attempts yet" }));
    const button = el("button", { type: "button", testid: "redeliver", onclick: async () => {
      button.disabled = true;
      try { await api("POST", "/webhooks/" + d.id + "/redeliver"); await poll(); }
      catch (error) { if (!(error instanceof Unauthorized)) showError(error.message); }
      finally { button.disabled = false; }
    } }, "Redeliver");
    return el("article", { class: "card", testid: "delivery-row", "data-delivery-id": d.id, "data-status": d.status },
      el("div", { class: "card-head" },
        el("span", { class: "badge status-" + d.status, text: d.status }),
        el("span", { class: "badge vendor", text: d.vendor }), el("strong", { text: d.event }),
        el("span", { class: "muted small", text: "#" + d.id + " · tenant " + d.tenant + " → " + d.url }), button),
      el("div", { class: "muted small", text: "created " + d.created_at + (d.delivered_at ? " · delivered " + d.delivered_at : "") + (d.next_attempt_at ? " · next attempt " + d.next_attempt_at : "") }),
      el("div", { class: "two" },
        el("div", {}, el("h4", { text: "Payload" }), el("pre", { class: "body", testid: "delivery-payload", text: JSON.stringify(d.payload, null, 2) })),
        el("div", {}, el("h4", { text: "Attempts (" + d.attempts.length + ")" }), attempts)));
  }

  async function pollWebhooks() {
    const data = await api("GET", "/webhooks?limit=200");
    sync($("deliveries"), data.deliveries.slice().reverse(), (d) => d.id, renderDelivery);
    $("deliveries-empty").hidden = data.deliveries.length > 0;
    $("webhooks-summary").textContent = data.total > data.deliveries.length
      ? "newest " + data.deliveries.length + " of " + data.total : data.total + (data.total === 1 ? " delivery" : " deliveries");
  }

  function renderFault(f) {
    const remove = el("button", { type: "button", testid: "fault-remove", onclick: async () => {
      remove.disabled = true;
      try { await api("DELETE", "/faults/" + f.id); await poll(); }
      catch (error) { if (!(error instanceof Unauthorized)) showError(error.message); remove.disabled = false; }
    } }, "Remove");
    return el("tr", { testid: "fault-row", "data-fault-id": f.id, "data-vendor": f.vendor },
      el("td", { text: f.id }), el("td", { text: f.vendor }), el("td", { text: fmt(f.method) }),
      el("td", {}, el("code", { text: fmt(f.path) })),
      el("td", { text: f.drop_connection ? "drop" : fmt(f.status === null && f.body !== null ? 500 : f.status) }),
      el("td", { text: f.delay_ms ? f.delay_ms + " ms" : "—" }),
      el("td", { text: f.remaining === null ? "∞" : f.remaining }), el("td", { text: f.hits }), el("td", {}, remove));
  }

  async function pollFaults() {
    const select = $("fault-vendor");
    const vendors = state.vendors.length ? state.vendors : [];
    if (JSON.stringify(Array.from(select.options).map((o) => o.value)) !== JSON.stringify(vendors)) {
      const chosen = select.value;
      select.replaceChildren(...vendors.map((v) => el("option", { value: v, text: v })));
      if (vendors.includes(chosen)) select.value = chosen;
    }
    const data = await api("GET", "/faults");
    sync($("faults"), data.faults, (f) => f.id, renderFault);
    $("faults-empty").hidden = data.faults.length > 0;
  }

  function showClock(clock) {
    $("clock-now").textContent = clock.now;
    $("clock-state").textContent = clock.frozen ? "frozen" : "running";
    const button = $("clock-freeze");
    button.textContent = clock.frozen ? "Unfreeze" : "Freeze";
    button.setAttribute("aria-pressed", clock.frozen ? "true" : "false");
    button.dataset.frozen = clock.frozen ? "true" : "false";
  }

  async function pollClock() {
    showClock(await api("GET", "/clock"));
  }

  const POLLERS = { rooms: pollRooms, journal: pollJournal, webhooks: pollWebhooks, faults: pollFaults, clock: pollClock };

  /* One poll at a time: a poll asked for while one runs makes that one go round again (so an older answer
     never overwrites a newer one); the promise settles when the page shows the latest data. */
  function poll() {
    if (state.running) {
      state.again = true;
      return state.running;
    }
    state.running = (async () => {
      try {
        do {
          state.again = false;
          await pollOnce();
        } while (state.again);
      } finally {
        state.running = null;
      }
    })();
    return state.running;
  }

  async function pollOnce() {
    if (!$("token-dialog").hidden) return;
    try {
      if (!state.vendors.length) state.vendors = (await api("GET", "/overview?vendor=-")).vendors;
      await POLLERS[state.view]();
      state.polls += 1;
      $("last-updated").textContent = "updated " + new Date().toISOString().slice(11, 23) + " UTC (poll " + state.polls + ")";
      showError("");
    } catch (error) {
      if (!(error instanceof Unauthorized)) showError("Poll failed: " + error.message);
    }
  }

  async function loop() {
    await poll();
    setTimeout(loop, POLL_MS);
  }

  function show(view) {
    state.view = view;
    for (const section of document.querySelectorAll("section.view")) section.hidden = section.dataset.view !== view;
    for (const tab of document.querySelectorAll(".tabs button")) {
      const active = tab.dataset.view === view;
      tab.classList.toggle("active", active);
      tab.setAttribute("aria-selected", active ? "true" : "false");
    }
    if (location.hash !== "#" + view) history.replaceState(null, "", "#" + view);
    poll();
  }

  /* --- actions ------------------------------------------------------------------------------------- */

  async function act(work) {
    try { await work(); await poll(); }
    catch (error) { if (!(error instanceof Unauthorized)) showError(error.message); }
  }

  function wire() {
    for (const tab of document.querySelectorAll(".tabs button")) tab.addEventListener("click", () => show(tab.dataset.view));
    for (const id of ["filter-vendor", "filter-tenant", "journal-filter-vendor", "journal-filter-method"]) $(id).addEventListener("change", () => poll());
    for (const id of ["journal-filter-status", "journal-filter-path"]) $(id).addEventListener("input", () => poll());
    $("journal-filters").addEventListener("submit", (event) => { event.preventDefault(); poll(); });
    $("journal-detail-close").addEventListener("click", () => {
      $("journal-detail").hidden = true;
      state.selectedRequest = null;
      for (const row of $("journal").children) row.classList.remove("selected");
    });

    $("reset").addEventListener("click", () => { $("reset-dialog").hidden = false; $("reset-cancel").focus(); });
    $("reset-cancel").addEventListener("click", () => { $("reset-dialog").hidden = true; });
    $("reset-confirm").addEventListener("click", () => act(async () => {
      $("reset-dialog").hidden = true;
      await api("POST", "/reset");
      state.selectedRequest = null;
      $("journal-detail").hidden = true;
    }));

    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("token-input").value = "";
      $("token-dialog").hidden = true;
      poll();
    });

    $("fault-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const field = (name) => form.elements.namedItem(name);
      const spec = { vendor: field("vendor").value };
      if (field("method").value.trim()) spec.method = field("method").value.trim();
      if (field("path").value.trim()) spec.path = field("path").value.trim();
      for (const name of ["status", "times", "delay_ms"]) if (field(name).value !== "") spec[name] = Number(field(name).value);
      if (field("drop_connection").checked) spec.drop_connection = true;
      else if (spec.status === undefined) spec.status = 500;
      act(async () => { await api("POST", "/faults", spec); form.reset(); });
    });

    $("clock-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const seconds = Number($("clock-advance-input").value);
      act(async () => showClock(await api("POST", "/clock", { advance_seconds: seconds })));
    });
    $("clock-freeze").addEventListener("click", () => act(async () => {
      showClock(await api("POST", "/clock", { freeze: $("clock-freeze").dataset.frozen !== "true" }));
    }));
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    const initial = location.hash.slice(1);
    show(POLLERS[initial] ? initial : "rooms");
    setTimeout(loop, POLL_MS);
  });
})();
