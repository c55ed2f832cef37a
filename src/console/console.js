// The bus's web console: one page, four views, everything read from the bus's own API on the
// same origin (with the session cookie) and kept live by the WebSocket stream. uPlot is the global
// `uPlot` (served beside this file).
/* global uPlot */

const POLL_MS = 2_000;
const HISTORY_POINTS = 150;
const RECENT_EVENTS = 300;
const SHOWN_EVENTS = 100;
const SHOWN_DEAD_LETTERS = 50;
/** How far back from the head the page looks for the current game state when it opens. */
const SEED_WINDOW = 500;
const INGEST_ROUTES = new Set(["/api/v1/events/batch", "/api/v1/events"]);

const $ = (id) => document.getElementById(id);

// ---- API access: same origin, cookies; a 401 asks for a token ----

class Unauthorized extends Error {}

async function api(path, init = {}) {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  if (res.status === 401) {
    showLogin();
    throw new Unauthorized(path);
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res;
}

const postJson = (path, body) =>
  api(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then((r) => r.json());

function showLogin() {
  $("login").hidden = false;
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const res = await fetch("/api/v1/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: $("login-token").value.trim() }),
  });
  if (res.ok) location.reload();
  else $("login-error").textContent = `The bus refused the token (HTTP ${res.status}).`;
});

/** Runs `work`, reporting failures on the badge except a 401 (the login box says it). */
async function guarded(work) {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof Unauthorized)) setLive(false, err.message);
  }
}

function setLive(on, title = "") {
  const badge = $("live");
  badge.textContent = on ? "live" : "offline";
  badge.className = `badge ${on ? "on" : "off"}`;
  badge.title = title;
}

// ---- formatting ----

const fmt = {
  int: (n) => (n === undefined || n === null ? "–" : Math.round(n).toLocaleString("en")),
  num: (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–"),
  bytes: (b) => (Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(0)} MB` : "–"),
  pct: (p) => (Number.isFinite(p) ? `${(p * 100).toFixed(1)} %` : "–"),
  time: (ms) => new Date(ms).toLocaleTimeString("en-GB"),
};

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

function fillRows(tableId, rows) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(
    ...rows.map((cells) =>
      el(
        "tr",
        {},
        cells.map((
          c,
        ) => (c instanceof Node ? el("td", {}, [c]) : el("td", { textContent: String(c) }))),
      )
    ),
  );
}

// ---- views ----

function showView() {
  const view = (location.hash || "#overview").slice(1);
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== `view-${view}`;
  }
  for (const a of document.querySelectorAll("nav a[data-view]")) {
    a.classList.toggle("active", a.dataset.view === view);
  }
  if (view === "analytics") guarded(loadAnalytics);
  if (view === "events") guarded(loadDeadLetters);
  charts.resize();
}

// ---- metrics: Prometheus text from /metrics, turned into rates between two polls ----

/** Samples of the exposition text: name, labels, value. */
function parseMetrics(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function sum(samples, name, where = () => true) {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((a, s) => a + s.value, 0);
}

/** Cumulative bucket counts of the ingest routes' latency histogram, by upper bound. */
function ingestBuckets(samples) {
  const buckets = new Map();
  for (const s of samples) {
    if (s.name !== "jimbot_http_request_duration_seconds_bucket") continue;
    if (!INGEST_ROUTES.has(s.labels.route)) continue;
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}

/** The smallest bucket bound holding 99 % of the requests between two polls. */
function p99(now, before) {
  const bounds = [...now.keys()].sort((a, b) => a - b);
  const total = (now.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const le of bounds) {
    if ((now.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total) return le;
  }
  return NaN;
}

let previous = null;
const history = { t: [], rate: [], p99: [] };

async function pollMetrics() {
  const text = await (await api("/metrics")).text();
  const samples = parseMetrics(text);
  const now = {
    at: performance.now() / 1000,
    stored: sum(samples, "jimbot_events_stored_total"),
    count: sum(
      samples,
      "jimbot_http_request_duration_seconds_count",
      (l) => INGEST_ROUTES.has(l.route),
    ),
    seconds: sum(
      samples,
      "jimbot_http_request_duration_seconds_sum",
      (l) => INGEST_ROUTES.has(l.route),
    ),
    commits: sum(samples, "jimbot_log_commit_duration_seconds_count"),
    buckets: ingestBuckets(samples),
  };
  $("stat-head").textContent = fmt.int(sum(samples, "jimbot_log_head_offset"));
  $("stat-pending").textContent = fmt.int(sum(samples, "jimbot_log_pending_events"));
  $("stat-rss").textContent = fmt.bytes(sum(samples, "process_resident_memory_bytes"));
  $("stat-heap").textContent = fmt.bytes(sum(samples, "nodejs_heap_size_used_bytes"));
  const subscribers = samples.filter((s) => s.name === "jimbot_stream_subscribers" && s.value > 0);
  $("stat-subscribers").textContent = fmt.int(subscribers.reduce((a, s) => a + s.value, 0));
  $("stat-protocols").textContent =
    subscribers.map((s) => `${s.labels.protocol} ${s.value}`).join(" · ") ||
    "by protocol";
  if (previous) {
    const dt = now.at - previous.at;
    const requests = now.count - previous.count;
    const mean = requests > 0 ? (now.seconds - previous.seconds) / requests : NaN;
    const tail = p99(now.buckets, previous.buckets);
    const rate = (now.stored - previous.stored) / dt;
    $("stat-latency").textContent = `${fmt.num(mean * 1000)} / ${fmt.num(tail * 1000)} ms`;
    $("stat-commits").textContent = fmt.num((now.commits - previous.commits) / dt);
    history.t.push(Date.now() / 1000);
    history.rate.push(rate);
    history.p99.push(Number.isFinite(tail) ? tail * 1000 : null);
    for (const series of Object.values(history)) series.splice(0, series.length - HISTORY_POINTS);
    charts.ingest?.setData([history.t, history.rate, history.p99]);
  }
  previous = now;
  setLive(true);
}

// ---- consumer groups and the coordinator (Connect unary calls as JSON) ----

async function pollGroupsAndCoordinator() {
  const offsets = await postJson("/jimbot.bus.v1.EventBus/GetOffsets", {});
  fillRows(
    "groups",
    (offsets.groups ?? []).map((
      g,
    ) => [g.group, fmt.int(Number(g.committed ?? 0)), fmt.int(Number(g.lag ?? 0))]),
  );
  const status = await postJson("/jimbot.coordinator.v1.ResourceCoordinator/GetStatus", {});
  fillRows(
    "resources",
    (status.resources ?? []).map((r) => [
      r.resource,
      `${fmt.int(r.used ?? 0)} / ${fmt.int(r.capacity ?? 0)}`,
      fmt.int(r.queued ?? 0),
      (r.components ?? []).filter((c) => c.leases).map((c) => `${c.component}: ${c.leases}`).join(
        ", ",
      ) || "–",
    ]),
  );
  fillRows(
    "limiters",
    (status.limiters ?? []).flatMap((l) =>
      (l.buckets ?? []).map((
        b,
      ) => [l.limiter, b.name, `${fmt.num(b.remaining ?? 0)} / ${fmt.int(b.capacity ?? 0)}`])
    ),
  );
}

// ---- live events: the WebSocket stream ----

const recent = [];
let liveRate = { count: 0, since: performance.now() };
let currentState = null;
const advice = { best: null, odds: null };

function onEnvelope(env) {
  recent.push(env);
  recent.splice(0, recent.length - RECENT_EVENTS);
  liveRate.count++;
  if (env.topic === "game.state.update" && env.payload?.in_game !== false) {
    currentState = env;
  } else if (env.topic === "advice.best_play") {
    advice.best = env;
  } else if (env.topic === "advice.blind_odds") {
    advice.odds = env;
  }
  if (env.topic === "game.state.update" || env.topic.startsWith("advice.")) renderGameAndAdvice();
  scheduleEventsRender();
}

let renderPending = false;
function scheduleEventsRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderEvents();
  });
}

async function startStream() {
  // Seed the views with the recent past, then follow the log from its head.
  const { log_head: head } = await (await api("/health")).json();
  const states = await readEvents(
    `topic=game.state.update,advice.>&from=${Math.max(0, head - SEED_WINDOW)}&limit=${SEED_WINDOW}`,
  );
  for (const env of states) onEnvelope(env);
  const latest = await readEvents(`from=${Math.max(0, head - SHOWN_EVENTS)}&limit=${SHOWN_EVENTS}`);
  for (const env of latest) if (!recent.some((r) => r.offset === env.offset)) recent.push(env);
  recent.sort((a, b) => a.offset - b.offset);
  renderEvents();
  follow(head);
}

/** Follows the log from `from` over the WebSocket, reconnecting where it left off. */
function follow(from) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
  let next = from;
  socket.onopen = () => {
    socket.send(JSON.stringify({ op: "subscribe", topics: ">", from: next }));
    setLive(true);
  };
  socket.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.op !== "event") return;
    next = msg.event.offset + 1;
    onEnvelope(msg.event);
  };
  socket.onclose = () => {
    setLive(false, "stream interrupted; reconnecting");
    // Shows the login box if the session is gone; otherwise reconnects shortly.
    guarded(() => api("/ready"));
    setTimeout(() => follow(next), POLL_MS);
  };
}

async function readEvents(query) {
  const text = await (await api(`/api/v1/events?${query}`)).text();
  return text.split("\n").filter((l) => l).map((l) => JSON.parse(l));
}

// ---- current game and advice ----

const SUIT_GLYPH = { Hearts: "♥", Diamonds: "♦", Spades: "♠", Clubs: "♣" };
const RANK_SHORT = { "10": "10", Jack: "J", Queen: "Q", King: "K", Ace: "A" };

function playingCard(card, chosen = false) {
  const red = card.suit === "Hearts" || card.suit === "Diamonds";
  const extras = [card.enhancement, card.edition, card.seal].filter((x) => x && x !== "none");
  return el("div", {
    className: `playing-card${red ? " red" : ""}${chosen ? " chosen" : ""}`,
    title: [card.rank, "of", card.suit, ...extras].join(" "),
  }, [
    `${RANK_SHORT[card.rank] ?? card.rank}${SUIT_GLYPH[card.suit] ?? "?"}`,
    el("small", { textContent: extras.join(" ") }),
  ]);
}

function listOf(value) {
  return Array.isArray(value) ? value : [];
}

function renderGame() {
  const p = currentState?.payload;
  $("game-empty").hidden = Boolean(p);
  if (!p) return;
  const blind = p.blind ?? {};
  $("game-id").textContent = p.game_id ? `seed ${p.game_id}` : "";
  const facts = [
    ["ante", p.ante],
    ["round", p.round],
    ["money", `$${p.money ?? "?"}`],
    ["score", fmt.int(p.chips)],
    ["blind", blind.name ?? "–"],
    ["to beat", fmt.int(blind.chips)],
    ["hands left", p.hands_remaining],
    ["discards left", p.discards_remaining],
  ];
  $("game-facts").replaceChildren(
    ...facts.flatMap((
      [k, v],
    ) => [el("dt", { textContent: k }), el("dd", { textContent: String(v ?? "–") })]),
  );
  const chosen = new Set(advice.best?.payload?.positions ?? []);
  $("game-hand").replaceChildren(...listOf(p.hand).map((c, i) => playingCard(c, chosen.has(i))));
  $("game-jokers").replaceChildren(
    ...listOf(p.jokers).map((j) => el("li", { textContent: j.name ?? "?" })),
  );
}

/** The game view: the current state, and the newest advice (also marked in the hand). */
function renderGameAndAdvice() {
  const best = advice.best?.payload;
  const odds = advice.odds?.payload;
  $("advice-empty").hidden = Boolean(best || odds);
  const forOffset = best?.source_offset ?? odds?.source_offset;
  $("advice-for").textContent = forOffset === undefined
    ? ""
    : forOffset === currentState?.offset
    ? `for the state at offset ${forOffset}`
    : `for an earlier state (offset ${forOffset})`;
  $("advice-best").hidden = !best;
  $("advice-odds").hidden = !odds;
  if (best) {
    $("advice-hand-type").textContent = best.hand_type;
    $("advice-cards").replaceChildren(...listOf(best.cards).map((c) => playingCard(c, true)));
    $("advice-score").textContent = fmt.int(best.score);
    $("advice-chips").textContent = fmt.int(best.chips);
    $("advice-mult").textContent = fmt.num(best.mult);
    $("advice-jokers").textContent = listOf(best.joker_names).join(" → ") || "–";
    $("advice-alternatives").replaceChildren(
      ...listOf(best.alternatives).map((a) =>
        el("li", {
          textContent: `${a.hand_type}: ${fmt.int(a.score)} (${
            listOf(a.cards).map((c) => `${c.rank} ${c.suit}`).join(", ")
          })`,
        })
      ),
    );
  }
  if (odds) {
    $("advice-probability").textContent = fmt.pct(odds.probability);
    $("advice-odds-detail").textContent =
      `95 % interval ${fmt.pct(odds.low)}–${fmt.pct(odds.high)} · ` +
      `${fmt.int(odds.needed)} chips needed against ${odds.blind ?? "the blind"} (${
        fmt.int(odds.blind_chips)
      }) · ` +
      `${fmt.int(odds.samples)} samples`;
  }
  renderGame();
}

// ---- recent events with filters; dead letters ----

/** Topic patterns as the bus reads them: `*` one segment, `>` the rest; comma-separated. */
function topicMatcher(text) {
  const patterns = text.split(",").map((s) => s.trim()).filter((s) => s);
  if (patterns.length === 0) return () => true;
  const compiled = patterns.map((p) => {
    const parts = p.split(".");
    if (parts.some((s, i) => s === "" || (s === ">" && i !== parts.length - 1))) {
      throw new Error(`"${p}" is not a topic pattern`);
    }
    return parts;
  });
  return (topic) => {
    const segments = topic.split(".");
    return compiled.some((parts) =>
      parts.every((part, i) =>
        part === ">"
          ? segments.length > i
          : part === "*"
          ? i < segments.length
          : part === segments[i]
      ) &&
      (parts.at(-1) === ">" ? segments.length >= parts.length : segments.length === parts.length)
    );
  };
}

function renderEvents() {
  let topicOk;
  try {
    topicOk = topicMatcher($("filter-topic").value);
    $("filter-error").textContent = "";
  } catch (err) {
    $("filter-error").textContent = err.message;
    return;
  }
  const type = $("filter-type").value.trim().toLowerCase();
  const text = $("filter-text").value.trim().toLowerCase();
  const shown = [];
  for (let i = recent.length - 1; i >= 0 && shown.length < SHOWN_EVENTS; i--) {
    const e = recent[i];
    if (!topicOk(e.topic)) continue;
    if (type && String(e.type).toLowerCase() !== type) continue;
    const payload = JSON.stringify(e.payload ?? {});
    if (text && !payload.toLowerCase().includes(text)) continue;
    shown.push([
      e.offset,
      fmt.time(e.received_at),
      e.topic,
      e.subtype ? `${e.type}/${e.subtype}` : e.type,
      el("span", {
        className: "payload",
        textContent: payload.slice(0, 300),
        title: payload.slice(0, 2000),
      }),
    ]);
  }
  fillRows("events", shown);
}

$("event-filter").addEventListener("input", renderEvents);
$("event-filter").addEventListener("submit", (e) => e.preventDefault());

async function loadDeadLetters() {
  const newest = await newestDeadLetter();
  const from = Math.max(0, newest - SHOWN_DEAD_LETTERS + 1);
  const text = newest < 0
    ? ""
    : await (await api(`/api/v1/deadletter?from=${from}&limit=${SHOWN_DEAD_LETTERS}`)).text();
  const letters = text.split("\n").filter((l) => l).map((l) => JSON.parse(l)).reverse();
  fillRows(
    "deadletters",
    letters.map((d) => [d.seq, d.route ?? "–", d.reason ?? "–", String(d.raw ?? "").slice(0, 200)]),
  );
}

/**
 * The sequence number of the newest dead letter (-1 when there is none), found with a few
 * one-line reads (a read from `n` answers the first letter at or after `n`) instead of reading
 * them all.
 */
async function newestDeadLetter() {
  const firstFrom = async (n) => {
    const line = (await (await api(`/api/v1/deadletter?from=${n}&limit=1`)).text()).trim();
    return line ? JSON.parse(line).seq : -1;
  };
  let low = await firstFrom(0);
  if (low < 0) return -1;
  let step = 1;
  while (await firstFrom(low + step) >= 0) step *= 2;
  let high = low + step; // no letter at or after high; one at low
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const seq = await firstFrom(mid);
    if (seq >= 0) low = seq;
    else high = mid;
  }
  return low;
}

// ---- analytics: win rate by ante (uPlot bars) and the synergy heatmap ----

async function loadAnalytics() {
  // The analytics routes exist only with --analytics (the default).
  const status = await fetch("/api/v1/analytics/status", { credentials: "same-origin" });
  await status.text();
  if (status.status === 401) return showLogin();
  if (status.status === 404) {
    $("winrate-empty").textContent = "Analytics is off (the bus runs with --analytics=false).";
    $("winrate-empty").hidden = false;
    return;
  }
  const result = await postJson("/api/v1/analytics/query", {
    sql: "SELECT ante, win_rate, rounds FROM win_rate_by_ante",
  });
  const rows = result.rows ?? [];
  $("winrate-empty").hidden = rows.length > 0;
  charts.winRate?.setData([rows.map((r) => r.ante), rows.map((r) => r.win_rate * 100)]);
  const synergy = await (await api("/api/v1/analytics/synergy?max_jokers=10")).json();
  renderSynergy(synergy.pairs ?? []);
}

function renderSynergy(pairs) {
  const names = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  const value = new Map(pairs.map((p) => [`${p.a}\u0000${p.b}`, p]));
  const extent = Math.max(1e-9, ...pairs.map((p) => Math.abs(p.synergy ?? 0)));
  if (names.length === 0) {
    $("synergy").replaceChildren(el("p", { className: "sub", textContent: "No joker pairs yet." }));
    return;
  }
  const header = el("tr", {}, [el("th"), ...names.map((n) => el("th", { textContent: n }))]);
  const rows = names.map((a) =>
    el("tr", {}, [
      el("th", { textContent: a }),
      ...names.map((b) => {
        const p = value.get(`${a}\u0000${b}`) ?? value.get(`${b}\u0000${a}`);
        if (!p || a === b) return el("td");
        const s = (p.synergy ?? 0) / extent;
        const cell = el("td", {
          textContent: fmt.num(p.synergy ?? 0, 2),
          title:
            `${a} + ${b}: synergy ${fmt.num(p.synergy, 3)}, engine uplift ${
              fmt.num(p.engine_uplift, 3)
            }, ` +
            `win rate with pair ${fmt.pct(p.win_rate_with_pair)} in ${p.games_with_pair} games`,
        });
        cell.style.background = s >= 0
          ? `rgba(79, 191, 115, ${0.15 + 0.85 * s})`
          : `rgba(226, 92, 92, ${0.15 - 0.85 * s})`;
        return cell;
      }),
    ])
  );
  $("synergy").replaceChildren(el("table", {}, [el("thead", {}, [header]), el("tbody", {}, rows)]));
}

// ---- charts ----

const charts = {
  ingest: null,
  winRate: null,
  create() {
    const axis = { stroke: "#9aa0aa", grid: { stroke: "#30343c" }, ticks: { stroke: "#30343c" } };
    const ingestBox = $("chart-ingest");
    this.ingest = new uPlot(
      {
        width: ingestBox.clientWidth || 800,
        height: 220,
        series: [
          {},
          { label: "events/s", stroke: "#e8a33d", width: 2, scale: "rate" },
          { label: "ingest p99 (ms)", stroke: "#4fbf73", width: 1, scale: "ms" },
        ],
        axes: [axis, { ...axis, scale: "rate" }, { ...axis, scale: "ms", side: 1 }],
        scales: { x: { time: true } },
      },
      [[], [], []],
      ingestBox,
    );
    const winBox = $("chart-winrate");
    this.winRate = new uPlot(
      {
        width: winBox.clientWidth || 500,
        height: 220,
        series: [
          { label: "ante" },
          {
            label: "win rate %",
            fill: "rgba(232, 163, 61, 0.6)",
            stroke: "#e8a33d",
            paths: uPlot.paths.bars({ size: [0.6, 60] }),
            points: { show: false },
          },
        ],
        axes: [axis, { ...axis }],
        scales: {
          x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
          y: { range: [0, 100] },
        },
      },
      [[], []],
      winBox,
    );
  },
  resize() {
    for (const [chart, id] of [[this.ingest, "chart-ingest"], [this.winRate, "chart-winrate"]]) {
      const width = $(id).clientWidth;
      if (chart && width > 0) chart.setSize({ width, height: 220 });
    }
  },
};

// ---- start ----

async function start() {
  charts.create();
  globalThis.addEventListener("hashchange", showView);
  globalThis.addEventListener("resize", () => charts.resize());
  showView();
  const index = await (await api("/", { headers: { accept: "application/json" } })).json();
  $("version").textContent = `v${index.version}`;
  await guarded(startStream);
  const tick = () =>
    guarded(async () => {
      await pollMetrics();
      await pollGroupsAndCoordinator();
      if (!$("view-events").hidden) await loadDeadLetters();
    });
  await tick();
  setInterval(tick, POLL_MS);
  setInterval(() => {
    const now = performance.now();
    $("stat-rate").textContent = fmt.num((liveRate.count * 1000) / (now - liveRate.since));
    liveRate = { count: 0, since: now };
  }, POLL_MS);
}

guarded(start);
