import SwitchyardCore
import SwitchyardHTTP

/// `GET /ui`: the status page, one self-contained HTML document (inline CSS and JavaScript, nothing fetched from
/// elsewhere) compiled into the binary, so it needs no files, working directory or build step.
///
/// The page itself holds no data and needs no token. It asks for the admin token (or takes it from the URL
/// fragment `#token=…`, which browsers never send to the server, and then removes it from the address bar), keeps
/// it in `sessionStorage` (gone when the tab closes), and polls every two seconds, with the token:
/// `/admin/state` (the answering worker's selection state: in flight, selections, latency scores, slots,
/// circuits), `/admin/models` (sources, hosts, strategies) and `/metrics` (request and error counts, turned into
/// rates between polls). Until the token is accepted it shows no model data; a 401 forgets the token and asks
/// again.
final class StatusPage {
    private unowned let gateway: Gateway

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    func register(in table: RouteTable) {
        // Captures the page strongly: the table (owned by the gateway) is what keeps it alive.
        table.add("/ui", name: "ui", method: "GET") { _, response in
            var headers = HTTPHeaders()
            headers.add(name: "Cache-Control", value: "no-store")
            // The page runs only its own inline code and talks only to this origin.
            headers.add(name: "Content-Security-Policy", value: "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
            headers.add(name: "Referrer-Policy", value: "no-referrer")
            self.gateway.sendLocal(response, route: "ui", body: Self.html, headers: headers, contentType: "text/html; charset=utf-8")
        }
    }

    /// The page.
    static let html: [UInt8] = Array(#"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard status</title>
<style>
  :root { --bg:#0f1419; --panel:#171d24; --line:#2a333d; --text:#d8dee6; --dim:#8a96a3; --ok:#3fb950; --bad:#f85149; --warn:#d29922; --accent:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; gap:16px; align-items:baseline; padding:14px 20px; border-bottom:1px solid var(--line); }
  header h1 { font-size:18px; margin:0; }
  #status { color:var(--dim); }
  main { padding:16px 20px; }
  .cards { display:flex; flex-wrap:wrap; gap:12px; margin-bottom:16px; }
  .card { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 14px; min-width:150px; }
  .card .label { color:var(--dim); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
  .card .value { font-size:22px; font-variant-numeric:tabular-nums; }
  table { border-collapse:collapse; width:100%; background:var(--panel); border:1px solid var(--line); }
  th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); font-variant-numeric:tabular-nums; }
  th { color:var(--dim); font-weight:600; font-size:12px; text-transform:uppercase; }
  tr.model td { background:#1c242d; font-weight:600; }
  td.num { text-align:right; }
  .pill { display:inline-block; padding:0 8px; border-radius:10px; font-size:12px; border:1px solid var(--line); }
  .closed { color:var(--ok); border-color:var(--ok); }
  .open { color:var(--bad); border-color:var(--bad); }
  .api { color:var(--accent); border-color:var(--accent); }
  .dim { color:var(--dim); }
  form { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:16px; max-width:460px; }
  input { width:100%; padding:8px; margin:8px 0; background:var(--bg); color:var(--text); border:1px solid var(--line); border-radius:4px; }
  button { padding:7px 14px; background:var(--accent); color:#000; border:0; border-radius:4px; cursor:pointer; }
  #error { color:var(--bad); }
</style>
</head>
<body>
<header><h1>Switchyard</h1><span id="status">not connected</span><span style="flex:1"></span><button id="logout" hidden>Forget token</button></header>
<main>
  <form id="login" hidden>
    <div>This page shows the router's live state. Enter the admin token (<code>LLM_ROUTER_ADMIN_TOKEN</code>); it stays in this browser tab only.</div>
    <input id="token" type="password" autocomplete="off" placeholder="admin token">
    <button type="submit">Show status</button>
    <div id="error"></div>
  </form>
  <section id="view" hidden>
    <div class="cards">
      <div class="card"><div class="label">Worker</div><div class="value" id="worker">–</div></div>
      <div class="card"><div class="label">State</div><div class="value" id="state">–</div></div>
      <div class="card"><div class="label">Requests/s</div><div class="value" id="rate">–</div></div>
      <div class="card"><div class="label">Requests</div><div class="value" id="requests">–</div></div>
      <div class="card"><div class="label">Errors (5xx)</div><div class="value" id="errors">–</div></div>
      <div class="card"><div class="label">In flight</div><div class="value" id="inflight">–</div></div>
      <div class="card"><div class="label">Registry</div><div class="value" id="registry">–</div></div>
    </div>
    <table>
      <thead><tr><th>Model / provider</th><th>Source / host</th><th>Strategy / type</th><th class="num">Queue</th><th class="num">In flight</th><th class="num">Selections</th><th class="num">Latency score</th><th class="num">Slots (held / limit)</th><th class="num">Failed attempts</th><th>Circuit</th></tr></thead>
      <tbody id="models"></tbody>
    </table>
    <p class="dim">With Redis shared, queue, in-flight, selections and circuits are the cluster's (read from Redis); without it they are the answering worker's (each poll may reach another worker of the instance).</p>
  </section>
</main>
<script>
"use strict";
(function () {
  var KEY = "switchyard.adminToken";
  var timer = null, previous = null, polls = 0;
  var $ = function (id) { return document.getElementById(id); };

  // A token in the fragment (#token=…) is taken once and removed from the address bar.
  var match = /(?:^#|&)token=([^&]*)/.exec(location.hash || "");
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }

  function token() { return sessionStorage.getItem(KEY); }

  function showLogin(message) {
    if (timer) { clearInterval(timer); timer = null; }
    $("view").hidden = true;
    $("models").textContent = "";
    $("logout").hidden = true;
    $("login").hidden = false;
    $("error").textContent = message || "";
    $("status").textContent = "waiting for the admin token";
    document.body.removeAttribute("data-loaded");
  }

  function get(path, auth) {
    var headers = auth ? { "Authorization": "Bearer " + token() } : {};
    return fetch(path, { headers: headers, cache: "no-store" }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().then(function (body) {
          var error = new Error((body && body.error && body.error.message) || ("HTTP " + response.status));
          error.denied = true;
          throw error;
        });
      }
      if (!response.ok) { throw new Error(path + ": HTTP " + response.status); }
      return path === "/metrics" ? response.text() : response.json();
    });
  }

  // Sums the samples of Prometheus families whose name ends in `suffix`, split by a filter on the labels.
  function sum(text, suffix, filter) {
    var total = 0;
    text.split("\n").forEach(function (line) {
      if (!line || line[0] === "#") { return; }
      var m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+([^\s]+)/.exec(line);
      if (!m || m[1].slice(-suffix.length) !== suffix) { return; }
      var labels = {};
      (m[3] || "").replace(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g, function (_, k, v) { labels[k] = v; return ""; });
      if (!filter || filter(labels)) { total += parseFloat(m[4]) || 0; }
    });
    return total;
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function pill(td, text, className) {
    td.textContent = "";
    var span = document.createElement("span");
    span.className = "pill " + className;
    span.textContent = text;
    td.appendChild(span);
  }

  function render(state, models, metrics) {
    var hosts = {}, sources = {};
    models.models.forEach(function (model) {
      sources[model.model_name] = model;
      model.providers.forEach(function (p) { hosts[p.id] = p; });
    });
    var failed = function (id) {
      return metrics ? sum(metrics, "upstream_attempts_total", function (l) { return l.provider === id && l.outcome !== "ok" && l.outcome !== "completed" && l.outcome !== "success"; }) : 0;
    };
    var body = $("models");
    body.textContent = "";
    var inFlight = 0;
    state.models.forEach(function (model) {
      var info = sources[model.name] || {};
      var row = document.createElement("tr");
      row.className = "model";
      row.setAttribute("data-model", model.name);
      cell(row, model.name, "name");
      var source = cell(row, "");
      pill(source, info.source === "api" ? "api v" + info.version : "file", info.source === "api" ? "api" : "");
      cell(row, model.strategy + (info.fallback_model ? " → " + info.fallback_model : ""));
      cell(row, String(model.cluster ? model.cluster.queue_length : (model.waiting_here || 0)), "num queue");
      for (var i = 0; i < 6; i++) { cell(row, ""); }
      body.appendChild(row);
      var shared = {};
      if (model.cluster) { model.cluster.providers.forEach(function (c) { shared[c.id] = c; }); }
      model.providers.forEach(function (p) {
        var c = shared[p.id];
        if (c) {
          p = Object.assign({}, p, { in_flight: c.in_flight, selections: c.selections,
            circuit_open: p.circuit_open || (c.circuit !== null && c.circuit.open_until_ms > Date.now()) });
        }
        inFlight += p.in_flight;
        var r = document.createElement("tr");
        r.className = "provider";
        r.setAttribute("data-model", model.name);
        r.setAttribute("data-provider", p.id);
        cell(r, "\u00a0\u00a0" + p.id, "name");
        cell(r, (hosts[p.id] && hosts[p.id].api_host) || "", "dim");
        cell(r, (hosts[p.id] && hosts[p.id].api_type) || "", "dim");
        cell(r, "", "num");
        cell(r, String(p.in_flight), "num in-flight");
        cell(r, String(p.selections), "num selections");
        cell(r, p.latency_score === null ? "–" : p.latency_score.toFixed(3), "num latency");
        cell(r, p.slots ? p.slots.held + " / " + p.slots.nworkers : ((hosts[p.id] ? "– / " + hosts[p.id].nworkers : "–")), "num slots");
        cell(r, String(failed(p.id)), "num failed");
        pill(cell(r, ""), p.circuit_open ? "open" : "closed", p.circuit_open ? "open" : "closed");
        body.appendChild(r);
      });
    });
    $("worker").textContent = state.worker.id + " (pid " + state.worker.pid + ")";
    $("state").textContent = state.state + (state.redis ? (state.redis.connected ? " · redis up" : " · redis down") : "");
    $("inflight").textContent = String(inFlight);
    $("registry").textContent = "v" + models.version + " · " + models.store;
    if (metrics) {
      var requests = sum(metrics, "http_requests_total");
      var errors = sum(metrics, "http_requests_total", function (l) { return +l.status >= 500; });
      var now = Date.now();
      if (previous && now > previous.at && requests >= previous.requests) {
        $("rate").textContent = ((requests - previous.requests) * 1000 / (now - previous.at)).toFixed(1);
      }
      previous = { at: now, requests: requests };
      $("requests").textContent = String(requests);
      $("errors").textContent = String(errors);
    }
    polls += 1;
    $("status").textContent = "live · updated " + new Date().toLocaleTimeString() + " · poll " + polls;
    document.body.setAttribute("data-loaded", String(polls));
  }

  function poll() {
    Promise.all([get("/admin/state", true), get("/admin/models", true), get("/metrics", true).catch(function () { return null; })])
      .then(function (r) { render(r[0], r[1], r[2]); })
      .catch(function (error) {
        if (error.denied) { sessionStorage.removeItem(KEY); showLogin(error.message); }
        else { $("status").textContent = "poll failed: " + error.message; }
      });
  }

  function start() {
    if (!token()) { showLogin(); return; }
    $("login").hidden = true;
    $("view").hidden = false;
    $("logout").hidden = false;
    $("status").textContent = "connecting…";
    poll();
    if (!timer) { timer = setInterval(poll, 2000); }
  }

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = $("token").value.trim();
    if (!value) { return; }
    sessionStorage.setItem(KEY, value);
    $("token").value = "";
    start();
  });
  $("logout").addEventListener("click", function () { sessionStorage.removeItem(KEY); showLogin(); });
  start();
})();
</script>
</body>
</html>
"""#.utf8)
}
