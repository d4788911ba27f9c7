/* sla_timers badges: live SLA countdowns in business time. No dependencies, no network per tick.
 *
 * The server sends each ticket's timers and its calendar's open intervals; a running
 * badge counts the business time between now and its due time over those intervals,
 * so it stands still while the calendar is closed (nights, weekends, holidays) and
 * moves in open hours. Badges are refreshed from the server every data-sla-refresh
 * seconds (a conditional GET: 304 when nothing changed), never by reloading the page.
 *
 * Placeholders: <span data-sla-badge="TICKET_ID" data-sla-mode="nearest|all"></span>
 * (the sla_badge() Jinja helper writes them). With data-sla-selector on this script
 * tag, one is added to every element matching the selector, its ticket id read from
 * data-sla-id-source ("attribute:NAME", "text" or "url") with data-sla-id-pattern.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.slaBadges) { return; }
  var config = {
    api: script.getAttribute("data-sla-api") || "/sla/api",
    refresh: Math.max(1, parseInt(script.getAttribute("data-sla-refresh") || "30", 10)) * 1000,
    selector: script.getAttribute("data-sla-selector"),
    idSource: script.getAttribute("data-sla-id-source") || "attribute:data-sla-ticket",
    idPattern: script.getAttribute("data-sla-id-pattern") || "([A-Za-z0-9_.:-]+)"
  };
  var MAX_PER_CALL = 500;
  var calendars = {};   // name -> {timezone, intervals: [[startMs, endMs], ...], until: ms}
  var tickets = {};     // id -> {calendar, status, timers}
  var etags = {};       // request url -> ETag

  function ms(text) { return text ? Date.parse(text) : null; }

  // Business milliseconds open in [a, b) (negative when b < a) over the intervals.
  function business(intervals, a, b) {
    if (b < a) { return -business(intervals, b, a); }
    var total = 0;
    for (var i = 0; i < intervals.length; i++) {
      var s = intervals[i][0], e = intervals[i][1];
      if (e <= a) { continue; }
      if (s >= b) { break; }
      total += Math.min(e, b) - Math.max(s, a);
    }
    return total;
  }

  function duration(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    if (minutes < 1) { return "<1m"; }
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (!hours) { return rest + "m"; }
    return rest ? hours + "h " + rest + "m" : hours + "h";
  }

  function clockTime(text) {
    return new Date(ms(text)).toLocaleString([], {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  }

  // Seconds left on timer t at instant now (negative once overdue), or null without a due time.
  function remaining(t, calendar, now) {
    if (t.stopped_at || t.paused_since) { return t.remaining_seconds; }
    var due = ms(t.due_at);
    if (due === null) { return null; }
    if (t.clock === "wall" || !calendar) { return (due - now) / 1000; }
    if (t.remaining_at_from !== null && t.remaining_at_from !== undefined && calendar.from !== undefined) {
      // Counted from the start of the intervals, so time overdue before them is kept.
      return t.remaining_at_from - business(calendar.intervals, calendar.from, now) / 1000;
    }
    return business(calendar.intervals, now, due) / 1000;
  }

  // {text, state, title} for one timer at instant now.
  function describe(t, calendar, now) {
    var left = remaining(t, calendar, now);
    var label = t.label;
    if (t.stopped_at) {
      if (t.status === "met") { return { state: "met", text: label + ": met", title: "Met " + clockTime(t.stopped_at) }; }
      return { state: "breached", text: label + ": missed by " + duration(-(left || 0)),
               title: "Was due " + (t.due_at ? clockTime(t.due_at) : "") };
    }
    if (t.paused_since) {
      var why = t.status_reason ? " (" + t.status_reason + ")" : "";
      var rest = left === null ? "" : left <= 0 ? ", overdue " + duration(left) : ", " + duration(left) + " left";
      return { state: "paused", text: label + ": paused" + why + rest,
               title: "Paused since " + clockTime(t.paused_since) };
    }
    if (left === null) { return { state: "running", text: label + ": running", title: "No target" }; }
    var title = "Due " + clockTime(t.due_at);
    if (left <= 0 || t.status === "breached") {
      return { state: "breached", text: label + ": overdue " + duration(left), title: title };
    }
    var warned = t.warning_level !== null || (t.next_warning_at && now >= ms(t.next_warning_at));
    return { state: warned ? "warning" : "running",
             text: label + ": " + duration(left) + " left" + (warned ? ", warning" : ""), title: title };
  }

  // The timer a list shows: the open one nearest its deadline, else the last to stop.
  function nearest(ticket, calendar, now) {
    var best = null, bestLeft = Infinity, last = null;
    ticket.timers.forEach(function (t) {
      if (t.stopped_at) {
        var at = ms(t.stopped_at), lastAt = last ? ms(last.stopped_at) : -Infinity;
        // The last to stop; at a tie (a solve stops several), resolution says most.
        if (at > lastAt || (at === lastAt && t.metric === "resolution")) { last = t; }
        return;
      }
      var left = remaining(t, calendar, now);
      if (left === null) { left = Infinity; }
      if (t.paused_since) { left = left + 1e12; }  // a running deadline comes before a paused one
      if (best === null || left < bestLeft) { best = t; bestLeft = left; }
    });
    return best || last;
  }

  function paint(el, parts) {
    el.textContent = parts.text;
    el.setAttribute("title", parts.title);
    el.setAttribute("aria-label", parts.text + ". " + parts.title);
    el.setAttribute("data-sla-state", parts.state);
    el.className = "sla-badge sla-badge--" + parts.state;
  }

  function render(el, now) {
    var ticket = tickets[el.getAttribute("data-sla-badge")];
    if (!ticket) { return; }
    var calendar = calendars[ticket.calendar];
    if (ticket.status) { ticket.timers.forEach(function (t) { t.status_reason = ticket.status; }); }
    if (el.getAttribute("data-sla-mode") === "all") {
      var open = ticket.timers.filter(function (t) { return !t.stopped_at; });
      var shown = open.length ? open : ticket.timers;
      el.textContent = "";
      el.className = "sla-badges";
      el.setAttribute("data-sla-state", "group");  // its badges carry the states
      if (!shown.length) { paint(el, { state: "none", text: "No SLA", title: "No SLA timer" }); return; }
      shown.forEach(function (t) {
        var part = document.createElement("span");
        paint(part, describe(t, calendar, now));
        part.setAttribute("data-sla-metric", t.metric);
        el.appendChild(part);
      });
      return;
    }
    var t = nearest(ticket, calendar, now);
    if (!t) { paint(el, { state: "none", text: "No SLA", title: "No SLA timer" }); return; }
    var parts = describe(t, calendar, now);
    paint(el, parts);
    el.setAttribute("data-sla-metric", t.metric);
  }

  function renderAll() {
    var now = Date.now();
    var els = document.querySelectorAll("[data-sla-badge]");
    for (var i = 0; i < els.length; i++) { render(els[i], now); }
    for (var name in calendars) {
      if (calendars[name].until <= now) { refresh(); break; }  // the intervals sent have run out
    }
  }

  function ticketIdOf(el) {
    var source = config.idSource, text;
    if (source === "text") { text = el.textContent; }
    else if (source === "url") { text = window.location.pathname; }
    else { text = el.getAttribute(source.slice("attribute:".length)); }
    if (!text) { return null; }
    var match = new RegExp(config.idPattern).exec(text);
    return match ? match[1] : null;
  }

  function place() {
    if (!config.selector) { return; }
    var els = document.querySelectorAll(config.selector);
    for (var i = 0; i < els.length; i++) {
      if (els[i].querySelector("[data-sla-badge]")) { continue; }
      var id = ticketIdOf(els[i]);
      if (!id) { continue; }
      var badge = document.createElement("span");
      badge.setAttribute("data-sla-badge", id);
      badge.setAttribute("data-sla-mode", "nearest");
      badge.setAttribute("role", "status");
      badge.className = "sla-badge";
      els[i].appendChild(document.createTextNode(" "));
      els[i].appendChild(badge);
    }
  }

  function absorb(data) {
    Object.keys(data.calendars).forEach(function (name) {
      var intervals = data.calendars[name].intervals.map(function (pair) { return [ms(pair[0]), ms(pair[1])]; });
      var last = intervals.length ? intervals[intervals.length - 1][1] : Date.now() + 86400000;
      calendars[name] = { timezone: data.calendars[name].timezone, from: ms(data.calendars[name].from),
                          intervals: intervals, until: last };
    });
    Object.keys(data.tickets).forEach(function (id) { tickets[id] = data.tickets[id]; });
  }

  function fetchBatch(ids) {
    var url = config.api + "/badges?" + ids.map(function (id) { return "ticket=" + encodeURIComponent(id); }).join("&");
    var headers = { "Accept": "application/json" };
    if (etags[url]) { headers["If-None-Match"] = etags[url]; }
    return fetch(url, { credentials: "same-origin", headers: headers }).then(function (response) {
      if (response.status === 304 || !response.ok) { return; }
      etags[url] = response.headers.get("ETag");
      return response.json().then(function (data) { absorb(data); renderAll(); });
    }).catch(function () { /* keep what is shown; the next refresh tries again */ });
  }

  function refresh() {
    place();
    var seen = {}, ids = [];
    var els = document.querySelectorAll("[data-sla-badge]");
    for (var i = 0; i < els.length; i++) {
      var id = els[i].getAttribute("data-sla-badge");
      if (!seen[id]) { seen[id] = true; ids.push(id); }
      var inline = els[i].getAttribute("data-sla-data");
      if (inline && !tickets[id]) {
        try { absorb(JSON.parse(inline)); } catch (e) { /* a malformed inline value is ignored */ }
      }
    }
    renderAll();
    for (var start = 0; start < ids.length; start += MAX_PER_CALL) { fetchBatch(ids.slice(start, start + MAX_PER_CALL)); }
  }

  function style() {
    if (document.getElementById("sla-badge-style")) { return; }
    var css = document.createElement("style");
    css.id = "sla-badge-style";
    css.textContent = [
      ".sla-badge{display:inline-block;padding:0 .45em;border-radius:.7em;font:12px/1.6 system-ui,sans-serif;",
      "border:1px solid #8a8f98;color:#1f2328;background:#f6f8fa;white-space:nowrap;margin:0 .2em}",
      ".sla-badge--running{border-color:#1a7f37;background:#dafbe1}",
      ".sla-badge--warning{border-color:#9a6700;background:#fff8c5}",
      ".sla-badge--breached{border-color:#cf222e;background:#ffebe9;font-weight:600}",
      ".sla-badge--paused{border-color:#6e7781;background:#eaeef2;font-style:italic}",
      ".sla-badge--met{border-color:#8250df;background:#fbefff}"
    ].join("");
    document.head.appendChild(css);
  }

  function start() {
    style();
    refresh();
    setInterval(renderAll, 1000);
    setInterval(refresh, config.refresh);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
  }

  window.slaBadges = { refresh: refresh, business: business, describe: describe };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
