/* The field app in the page: registers the service worker, keeps the officer's
 * working set for reading offline, keeps the records made offline (outbox.js) and
 * sends them when the connection returns, shows the offline banner and the outbox
 * page, and erases everything kept on the device when the officer signs out.
 * No inline script (CSP): the texts come translated from #field-app's data attributes. */
(function () {
  "use strict";
  var app = document.getElementById("field-app");
  if (!app) { return; }
  var data = app.dataset;
  var PAGES = "cdcs-pages";
  var outbox = window.cdcsOutbox;
  var signedIn = data.signedIn === "1";
  var user = data.user ? Number(data.user) : null;
  var supported = "serviceWorker" in navigator && "caches" in window && window.isSecureContext && outbox;

  function text(name, values) {
    var value = data[name] || "";
    Object.keys(values || {}).forEach(function (k) { value = value.split("{" + k + "}").join(values[k]); });
    return value;
  }

  function dayTime(date) {  // dd/mm/yyyy HH:MM, Vietnam's time
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit",
      year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23"})
      .formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
  }

  function uuid() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- the offline banner -------------------------------------------------------------
  var loadedAt = new Date();
  async function keptAt() {
    try {
      var found = await caches.match(location.pathname + location.search, {cacheName: PAGES, ignoreVary: true});
      var stamp = found && (found.headers.get("X-Cdcs-Kept-At") || found.headers.get("Date"));
      if (stamp) { return new Date(stamp); }
    } catch (error) { /* no cache: the page's own time */ }
    return loadedAt;
  }

  async function showConnection() {
    var banner = document.getElementById("field-offline");
    if (!banner) { return; }
    if (navigator.onLine) {
      banner.hidden = true;
      document.body.classList.remove("field-is-offline");
      return;
    }
    banner.textContent = text("offlineText", {when: dayTime(await keptAt())});
    banner.hidden = false;
    document.body.classList.add("field-is-offline");
  }

  // --- what waits to be sent ----------------------------------------------------------
  async function mine() {
    return (await outbox.all()).filter(function (r) { return r.user === user; });
  }

  async function showWaiting() {
    var link = document.getElementById("field-outbox-status");
    if (!link) { return; }
    var records = await mine();
    var waiting = records.filter(function (r) { return r.status === "pending"; }).length;
    var attention = records.length - waiting;
    var parts = [];
    if (waiting) { parts.push(text("waitingText", {count: waiting})); }
    if (attention) { parts.push(text("attentionText", {count: attention})); }
    link.textContent = parts.join(" · ");
    link.hidden = parts.length === 0;
    link.dataset.waiting = String(waiting);
    link.dataset.attention = String(attention);
  }

  async function flush() {
    if (!navigator.onLine) { return; }
    var result = await outbox.flush();
    await showWaiting();
    await renderOutbox();
    if (result.applied || result.conflict) { await warm(true); }
    document.documentElement.dataset.fieldFlushed = String(Date.now());
  }

  // --- the working set ----------------------------------------------------------------
  async function warm(force) {
    if (!navigator.onLine) { return; }
    var response = await fetch(data.workingSetUrl, {credentials: "same-origin", cache: "no-store"});
    if (!response.ok) { return; }
    var set = await response.json();
    var previous = await outbox.meta("workingSet");
    var cache = await caches.open(PAGES);
    if (previous && previous.user !== set.user) {  // another officer signed in on this device
      await caches.delete(PAGES);
      cache = await caches.open(PAGES);
    }
    await outbox.setMeta("workingSet", set);
    var kept = await cache.keys();
    var wanted = {};
    set.urls.forEach(function (url) { wanted[new URL(url, location.href).href] = true; });
    // A campaign no longer open or no longer the officer's: its pages leave the device.
    await Promise.all(kept.filter(function (r) { return !wanted[r.url]; }).map(function (r) { return cache.delete(r); }));
    var have = {};
    (await cache.keys()).forEach(function (r) { have[r.url] = true; });
    var stale = force || !previous || previous.signature !== set.signature;
    await Promise.all(Object.keys(wanted).filter(function (url) { return stale || !have[url]; }).map(async function (url) {
      try {
        var page = await fetch(url, {credentials: "same-origin", cache: "no-store"});
        if (page.ok && page.headers.get("Content-Type").indexOf("text/html") === 0) {
          await cache.put(url, await outbox.stamped(page));
        }
      } catch (error) { /* the connection went: keep what was kept */ }
    }));
    document.documentElement.dataset.fieldWarmed = String(Date.now());
  }

  // --- recording offline --------------------------------------------------------------
  function matchCapture(set, form) {
    var action = new URL(form.getAttribute("action") || location.href, location.href);
    if (action.origin !== location.origin || (form.method || "").toLowerCase() !== "post") { return null; }
    for (var i = 0; i < (set.captures || []).length; i++) {
      var capture = set.captures[i];
      var found = new RegExp(capture.pattern).exec(action.pathname);
      if (found) {
        var ids = {};
        capture.roles.forEach(function (role, n) { ids[role] = Number(found[n + 1]); });
        return {kind: capture.kind, ids: ids};
      }
    }
    return null;
  }

  function fieldsOf(form, submitter) {
    var values = {};
    new FormData(form, submitter || undefined).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || typeof value !== "string") { return; }
      if (Object.prototype.hasOwnProperty.call(values, name)) {
        values[name] = [].concat(values[name], value);
      } else { values[name] = value; }
    });
    return values;
  }

  function say(form, message) {
    var note = document.createElement("p");
    note.className = "field-kept";
    note.setAttribute("role", "status");
    note.textContent = message;
    form.insertAdjacentElement("afterend", note);
  }

  async function capture(form, submitter) {
    var set = await outbox.meta("workingSet");
    var found = set && set.user === user && matchCapture(set, form);
    if (!found) { return false; }
    if (found.ids.enterprise) { return captureVisit(form, submitter, found); }
    var campaignId = found.ids.campaign;
    if (found.ids.task) {
      var task = (set.tasks || []).find(function (t) { return t.id === found.ids.task; });
      campaignId = task ? task.campaign : null;
    }
    var kase = (set.cases || []).find(function (c) { return c.id === campaignId; });
    if (!kase) { say(form, text("notKeptText")); return true; }
    await outbox.put({
      key: uuid(), user: user, kind: found.kind, campaign: campaignId, task: found.ids.task || null,
      worker: found.ids.worker || null, base_version: kase.version, base_stage: kase.stage,
      case_name: kase.name, recorded_at: new Date().toISOString(), data: fieldsOf(form, submitter),
      status: "pending"
    });
    await kept(form);
    return true;
  }

  /* A survey visit hangs on its enterprise: the form names it and the enterprise's latest visit it
   * was made from (data-field-enterprise, data-field-base-visit), the base of the server's conflict rule. */
  async function captureVisit(form, submitter, found) {
    if (Number(form.dataset.fieldEnterprise) !== found.ids.enterprise) { say(form, text("notKeptText")); return true; }
    var base = form.dataset.fieldBaseVisit;
    await outbox.put({
      key: uuid(), user: user, kind: found.kind, campaign: null, task: null, worker: null,
      enterprise: found.ids.enterprise, base_visit: base ? Number(base) : null,
      case_name: form.dataset.fieldName || "", recorded_at: new Date().toISOString(),
      data: fieldsOf(form, submitter), status: "pending"
    });
    await kept(form);
    return true;
  }

  async function kept(form) {
    form.dataset.fieldKept = "1";
    form.querySelectorAll("button, input[type=submit]").forEach(function (b) { b.disabled = true; });
    say(form, text("savedText"));
    await showWaiting();
    try {
      var registration = await navigator.serviceWorker.ready;
      if (registration.sync) { await registration.sync.register(outbox.SYNC_TAG); }
    } catch (error) { /* no Background Sync: the page sends it when the connection returns */ }
  }

  // --- signing out --------------------------------------------------------------------
  async function signOut(form) {
    var left = (await mine()).length;
    if (left && !window.confirm(text("signOutText", {count: left}))) { return; }
    try {
      var registrations = await navigator.serviceWorker.getRegistrations();
      await Promise.all(registrations.map(function (r) { return r.unregister(); }));
      await outbox.eraseAll();
    } finally {
      form.submit();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!supported || !signedIn) { return; }
    if (form.getAttribute("action") === data.logoutUrl) {
      event.preventDefault();
      event.stopImmediatePropagation();
      signOut(form);
      return;
    }
    if (navigator.onLine || form.dataset.fieldKept) { return; }
    // Offline: keep the record on the device (the form's own handlers, htmx's too, do not run).
    event.preventDefault();
    event.stopImmediatePropagation();
    capture(form, event.submitter).then(function (kept) {
      if (!kept) { say(form, text("notKeptText")); }
    });
  }, true);

  // --- the outbox page ----------------------------------------------------------------
  async function renderOutbox() {
    var list = document.getElementById("field-outbox");
    if (!list) { return; }
    var kinds = JSON.parse(list.dataset.kinds || "{}");
    var template = document.getElementById("field-outbox-item");
    var records = await mine();
    list.replaceChildren();
    records.forEach(function (record) {
      var item = template.content.firstElementChild.cloneNode(true);
      item.dataset.key = record.key;
      item.dataset.status = record.status;
      item.querySelector("[data-part=kind]").textContent = kinds[record.kind] || record.kind;
      item.querySelector("[data-part=case]").textContent = record.case_name || "";
      item.querySelector("[data-part=when]").textContent = dayTime(new Date(record.recorded_at));
      item.querySelector("[data-part=status]").textContent = list.dataset["status" + record.status[0].toUpperCase() + record.status.slice(1)] || record.status;
      item.querySelector("[data-part=message]").textContent = record.message || "";
      item.querySelector("[data-action=apply]").hidden = record.status !== "conflict";
      item.querySelector("[data-action=discard]").hidden = record.status === "pending";
      list.appendChild(item);
    });
    document.getElementById("field-outbox-empty").hidden = records.length > 0;
    list.dataset.rendered = String(records.length);
  }

  document.addEventListener("click", async function (event) {
    var button = event.target.closest && event.target.closest("#field-outbox [data-action]");
    if (!button) { return; }
    var key = button.closest("[data-key]").dataset.key;
    var record = (await mine()).find(function (r) { return r.key === key; });
    if (!record) { return; }
    if (button.dataset.action === "discard") {
      await outbox.remove(key);
    } else if (record.case) {
      // Apply anyway: the officer has seen where the case is now; send it again based on that version.
      record.base_version = record.case.version;
      record.base_stage = record.case.stage;
      record.status = "pending";
      record.message = "";
      await outbox.put(record);
    } else if (record.enterprise_now) {
      // A visit: based now on the enterprise's latest visit, the one the server named.
      record.base_visit = record.enterprise_now.visit;
      record.status = "pending";
      record.message = "";
      await outbox.put(record);
    }
    await renderOutbox();
    await showWaiting();
    if (button.dataset.action === "apply") { await flush(); }
  });

  // --- start ---------------------------------------------------------------------------
  async function start() {
    if (!supported || !signedIn) { return; }
    await navigator.serviceWorker.register(data.swUrl, {scope: "/"});
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token && navigator.onLine) { await outbox.setMeta("csrf", token.content); }
    await outbox.setMeta("user", user);
    await showConnection();
    await showWaiting();
    await renderOutbox();
    if (navigator.onLine) {
      await flush();
      await warm(false);
    }
    document.documentElement.dataset.fieldReady = "1";
  }

  window.addEventListener("online", function () { showConnection(); flush(); });
  window.addEventListener("offline", showConnection);
  start().catch(function (error) { document.documentElement.dataset.fieldError = String(error); });
})();
