/* The device's side of the field app, shared by the pages and the service worker:
 * the IndexedDB database (through the idb library) that keeps the records made
 * offline (the outbox) and what the device knows of the officer's working set,
 * and the sending of the outbox to /field/sync/.
 * A record stays on the device until the server answers "applied" or the officer
 * discards it; a conflict or a refusal is kept, with the server's words, for the
 * outbox page (/field/outbox/). */
(function (scope) {
  "use strict";
  var DB_NAME = "cdcs-field";
  var SYNC_URL = "/field/sync/";
  var BATCH = 50;
  var opened = null;

  function db() {
    if (!opened) {
      opened = scope.idb.openDB(DB_NAME, 1, {
        upgrade: function (database) {
          database.createObjectStore("outbox", {keyPath: "key"});
          database.createObjectStore("meta", {keyPath: "name"});
        },
        // Signing out deletes the database: let go of it at once.
        blocking: function () { close(); },
        terminated: function () { opened = null; }
      });
    }
    return opened;
  }

  function close() {
    if (opened) { var was = opened; opened = null; was.then(function (d) { d.close(); }, function () {}); }
  }

  async function meta(name) {
    var found = await (await db()).get("meta", name);
    return found ? found.value : null;
  }

  async function setMeta(name, value) {
    await (await db()).put("meta", {name: name, value: value});
  }

  async function all() {
    var records = await (await db()).getAll("outbox");
    return records.sort(function (a, b) { return a.recorded_at < b.recorded_at ? -1 : 1; });
  }

  async function put(record) { await (await db()).put("outbox", record); }
  async function remove(key) { await (await db()).delete("outbox", key); }

  /* A copy of a response, stamped with the moment it was kept (the offline banner reads it),
   * without its Vary header: the copy is this officer's on this device, and a page opened
   * offline must find it whatever the request's headers. */
  function stamped(response) {
    var headers = new Headers(response.headers);
    headers.set("X-Cdcs-Kept-At", new Date().toISOString());
    headers.delete("Vary");
    return response.blob().then(function (body) {
      return new Response(body, {status: response.status, statusText: response.statusText, headers: headers});
    });
  }

  var flushing = null;

  /* Send what waits, in batches; answers: applied → gone, conflict/refused → kept for the officer. */
  function flush() {
    if (!flushing) {
      flushing = send().finally(function () { flushing = null; });
    }
    return flushing;
  }

  async function send() {
    var token = await meta("csrf");
    var user = await meta("user");  // the officer signed in: another's records wait for them
    var outcome = {applied: 0, conflict: 0, refused: 0, failed: false};
    var waiting = (await all()).filter(function (r) { return r.status === "pending" && r.user === user; });
    for (var start = 0; start < waiting.length; start += BATCH) {
      var batch = waiting.slice(start, start + BATCH);
      var response;
      try {
        response = await fetch(SYNC_URL, {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: {"Content-Type": "application/json", "X-CSRFToken": token || "", "Accept": "application/json"},
          body: JSON.stringify({records: batch.map(function (r) {
            return {key: r.key, kind: r.kind, campaign: r.campaign, task: r.task, worker: r.worker,
                    enterprise: r.enterprise || null, base_visit: r.base_visit || null,
                    base_version: r.base_version, base_stage: r.base_stage, recorded_at: r.recorded_at, data: r.data};
          })})
        });
      } catch (error) {
        outcome.failed = true;  // no connection: try again later
        return outcome;
      }
      if (!response.ok) { outcome.failed = true; return outcome; }
      var answers = (await response.json()).results || [];
      for (var i = 0; i < answers.length; i++) {
        var answer = answers[i];
        var record = batch[i];
        if (!record || answer.key !== record.key) { continue; }
        if (answer.outcome === "applied") {
          await remove(record.key);
          outcome.applied += 1;
        } else {
          record.status = answer.outcome === "conflict" ? "conflict" : "refused";
          record.message = answer.message || "";
          record.case = answer.case || null;
          record.enterprise_now = answer.enterprise || null;
          await put(record);
          outcome[record.status] += 1;
        }
      }
    }
    return outcome;
  }

  /* Erase everything the site kept on this device (signing out). */
  async function eraseAll() {
    close();
    var names = await caches.keys();
    await Promise.all(names.map(function (name) { return caches.delete(name); }));
    await scope.idb.deleteDB(DB_NAME);
  }

  scope.cdcsOutbox = {
    DB_NAME: DB_NAME, SYNC_TAG: "cdcs-outbox", db: db, close: close, meta: meta, setMeta: setMeta,
    all: all, put: put, remove: remove, flush: flush, stamped: stamped, eraseAll: eraseAll
  };
})(self);
