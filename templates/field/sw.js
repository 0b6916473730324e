{% autoescape off %}/* The field app's service worker (served at /sw.js by workflows.field.views.service_worker).
 * Workbox comes from the site's own static files (npm, at install time): never from a CDN.
 * - the app shell (styles, scripts, icons, the offline page) is precached;
 * - pages: network first; a page is kept only when it belongs to the officer's
 *   working set (the page's script puts those in the "cdcs-pages" cache after
 *   sign-in, from /field/working-set/), so nothing of other people's cases stays;
 *   without a connection the kept copy answers, else the offline page;
 * - Background Sync: records kept offline are sent when the connection returns.
 * Signing out answers Clear-Site-Data: "cache", "storage", and the browser erases all of it. */
var MODULES = {{ modules }};
importScripts("{{ workbox_sw }}");
workbox.setConfig({debug: false, modulePathCb: function (name) { return MODULES[name]; }});
importScripts("{{ idb }}", "{{ outbox }}");

var PAGES = "cdcs-pages";
var OFFLINE_URL = "{{ offline_url }}";

workbox.core.setCacheNameDetails({prefix: "cdcs", suffix: "v1"});
workbox.core.clientsClaim();
self.addEventListener("install", function () { self.skipWaiting(); });

workbox.precaching.precacheAndRoute({{ shell }});
workbox.precaching.cleanupOutdatedCaches();

// A kept page is refreshed when it is visited online; a page not kept is never added here.
var refreshKept = {
  cacheWillUpdate: async function (param) {
    var response = param.response;
    if (!response || response.status !== 200) { return null; }
    var cache = await caches.open(PAGES);
    if (!(await cache.match(param.request, {ignoreVary: true}))) { return null; }
    return cdcsOutbox.stamped(response);
  },
  handlerDidError: async function () {
    return (await workbox.precaching.matchPrecache(OFFLINE_URL)) || Response.error();
  }
};
workbox.routing.registerRoute(new workbox.routing.NavigationRoute(
  new workbox.strategies.NetworkFirst({cacheName: PAGES, networkTimeoutSeconds: 6, plugins: [refreshKept],
                                      matchOptions: {ignoreVary: true}})));

self.addEventListener("sync", function (event) {
  if (event.tag === cdcsOutbox.SYNC_TAG) { event.waitUntil(cdcsOutbox.flush()); }
});
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "flush") { event.waitUntil(cdcsOutbox.flush()); }
});
{% endautoescape %}
