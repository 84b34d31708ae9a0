// Live scoreboard: keeps the server-rendered board current. A tiny Socket.IO v5 / Engine.IO v4 client over
// the browser's WebSocket (no library to download on a slow phone), snapshot + sequence-numbered deltas,
// resync on any gap, and plain HTTP polling of the snapshot when websockets are not available.
// DOM is built with textContent only (CSP: no inline script or style).

const bootEl = document.getElementById("live-boot");
const boot = bootEl ? JSON.parse(bootEl.textContent) : null;

const NS = "/live";
const POLL_MS = 5000;

function makeT(strings) {
  return (key, values) => {
    let text = strings[key] ?? key;
    for (const [k, v] of Object.entries(values || {})) text = text.split(`{${k}}`).join(String(v));
    return text;
  };
}

export function fmtMilli(milli, lang) {
  if (milli === null || milli === undefined) return "–";
  const sign = milli < 0 ? "-" : "";
  const abs = Math.abs(milli);
  const whole = Math.floor(abs / 1000);
  const frac = abs % 1000;
  const group = lang === "id" ? "." : ",";
  let text = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, group);
  if (frac) text += (lang === "id" ? "," : ".") + String(frac).padStart(3, "0").replace(/0+$/, "");
  return sign + text;
}

export function fmtDuration(ms) {
  const s = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function sortRows(rows) {
  return [...rows].sort((a, b) => {
    const ra = a.rank ?? null;
    const rb = b.rank ?? null;
    if ((ra === null) !== (rb === null)) return ra === null ? 1 : -1;
    if (ra !== rb) return ra - rb;
    const ka = String(a.number ?? a.k);
    const kb = String(b.number ?? b.k);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

// --- a minimal Socket.IO client ------------------------------------------------------------------------

class MiniSocket {
  constructor(path, namespace, handlers) {
    this.path = path.replace(/\/$/, "");
    this.ns = namespace;
    this.h = handlers;
    this.ws = null;
    this.failures = 0;
    this.watchdog = null;
    this.timeoutMs = 60000;
    this.stopped = false;
  }

  open() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = new WebSocket(`${proto}//${location.host}${this.path}/?EIO=4&transport=websocket`);
    } catch (err) {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => this.onPacket(String(ev.data));
    ws.onclose = () => {
      if (this.ws === ws) this.retry();
    };
    ws.onerror = () => ws.close();
  }

  retry() {
    clearTimeout(this.watchdog);
    this.ws = null;
    this.failures += 1;
    this.h.down(this.failures);
    if (this.stopped) return;
    const base = Math.min(15000, 500 * 2 ** Math.min(this.failures, 5));
    setTimeout(() => this.open(), base / 2 + Math.random() * base);
  }

  arm() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.ws && this.ws.close(), this.timeoutMs);
  }

  send(text) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  emit(event, data) {
    this.send(`42${this.ns},${JSON.stringify([event, data])}`);
  }

  onPacket(data) {
    const type = data[0];
    if (type === "0") {
      const open = JSON.parse(data.slice(1));
      this.timeoutMs = (open.pingInterval || 25000) + (open.pingTimeout || 20000);
      this.arm();
      this.send(`40${this.ns},`);
    } else if (type === "2") {
      this.send("3");
      this.arm();
    } else if (type === "4") {
      this.onSocketIO(data.slice(1));
    } else if (type === "1") {
      this.ws.close();
    }
  }

  onSocketIO(p) {
    const kind = p[0];
    let rest = p.slice(1);
    let nsp = "/";
    if (rest.startsWith("/")) {
      const comma = rest.indexOf(",");
      nsp = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? "" : rest.slice(comma + 1);
    }
    if (nsp !== this.ns) return;
    if (kind === "0") {
      this.failures = 0;
      this.h.up();
    } else if (kind === "2") {
      const arr = JSON.parse(rest.slice(rest.indexOf("[")));
      this.h.event(arr[0], arr[1]);
    } else if (kind === "4" || kind === "1") {
      this.ws.close();
    }
  }
}

// --- the board ---------------------------------------------------------------------------------------

class Board {
  constructor(root, data) {
    this.root = root;
    this.list = root.querySelector("#seats");
    this.conn = root.querySelector("#board-conn");
    this.t = makeT(data.strings);
    this.lang = data.lang;
    this.fid = root.dataset.fid;
    this.offset = data.now - Date.now();
    this.epoch = null;
    this.seq = 0;
    this.session = null;
    this.rows = new Map();
    this.els = new Map();
    for (const li of this.list.querySelectorAll("li.seat")) this.els.set(li.dataset.k, li);
    this.snapshot(data.snapshot, false);
    setInterval(() => this.tick(), 1000);
  }

  now() {
    return Date.now() + this.offset;
  }

  setConn(state) {
    this.conn.dataset.state = state;
    this.conn.textContent = this.t(`live.conn.${state}`);
  }

  snapshot(snap, animate = true) {
    if (!snap || !snap.f || snap.f.id !== this.fid) return;
    const before = this.rows;
    this.epoch = snap.epoch;
    this.seq = snap.seq;
    this.session = snap.session;
    this.rows = new Map(snap.rows.map((r) => [r.k, r]));
    for (const k of [...this.els.keys()]) {
      if (!this.rows.has(k)) {
        this.els.get(k).remove();
        this.els.delete(k);
      }
    }
    const changed = [...this.rows.values()].filter((r) => JSON.stringify(before.get(r.k)) !== JSON.stringify(r));
    this.render(changed, before, animate);
  }

  delta(d) {
    if (!d || d.f !== this.fid) return;
    if (d.epoch !== this.epoch || d.seq > this.seq + 1) {
      this.resync();
      return;
    }
    if (d.seq <= this.seq) return;
    const before = new Map(this.rows);
    for (const row of d.rows || []) this.rows.set(row.k, row);
    for (const k of d.gone || []) {
      this.rows.delete(k);
      const el = this.els.get(k);
      if (el) el.remove();
      this.els.delete(k);
    }
    if (d.session) this.session = d.session;
    this.seq = d.seq;
    this.render(d.rows || [], before, true);
  }

  render(changed, before, animate) {
    const first = new Map();
    if (animate) for (const [k, el] of this.els) first.set(k, el.getBoundingClientRect().top);
    for (const row of changed) {
      let el = this.els.get(row.k);
      if (!el) {
        el = document.createElement("li");
        el.dataset.k = row.k;
        this.els.set(row.k, el);
      }
      this.fill(el, row);
      const prev = before.get(row.k);
      if (animate && row.status === "submitted" && (!prev || prev.status !== "submitted")) {
        el.classList.add("seat--arrived");
        setTimeout(() => el.classList.remove("seat--arrived"), 4000);
      }
    }
    const ordered = sortRows(this.rows.values());
    ordered.forEach((row, i) => {
      const el = this.els.get(row.k);
      if (this.list.children[i] !== el) this.list.insertBefore(el, this.list.children[i] || null);
    });
    if (animate) this.flip(first);
    const status = this.root.querySelector("#board-session-status");
    if (status && this.session) {
      status.className = `live-chip live-chip--${this.session.status}`;
      status.textContent = this.t(`live.session.${this.session.status}`);
    }
  }

  flip(first) {
    for (const [k, top] of first) {
      const el = this.els.get(k);
      if (!el || !el.isConnected) continue;
      const dy = top - el.getBoundingClientRect().top;
      if (Math.abs(dy) < 1) continue;
      el.style.transition = "none";
      el.style.transform = `translateY(${dy}px)`;
      requestAnimationFrame(() => {
        el.style.transition = "";
        el.style.transform = "";
      });
    }
  }

  fill(el, r) {
    const t = this.t;
    const paused = r.status === "working" && r.deadline == null && r.paused_left != null;
    el.className = `seat seat--${r.status}` + (r.passed === true ? " seat--pass" : r.passed === false ? " seat--fail" : "");
    el.replaceChildren();
    const add = (parent, tag, cls, text) => {
      const node = document.createElement(tag);
      if (cls) node.className = cls;
      if (text !== undefined && text !== null) node.textContent = String(text);
      parent.appendChild(node);
      return node;
    };
    const rank = add(el, "div", "seat__rank", r.rank ?? "");
    rank.setAttribute("aria-label", t("live.rank"));
    const who = add(el, "div", "seat__who");
    if ("name" in r) add(who, "span", "seat__name", r.name);
    if ("number" in r) add(who, "span", "seat__no", r.number);
    const place = [r.village, r.position].filter((x) => x !== undefined).join(" · ");
    add(who, "span", "seat__place", place);
    const state = add(el, "div", "seat__state");
    add(state, "span", `live-chip live-chip--${r.status}`, paused ? t("live.status.paused") : t(`live.status.${r.status}`));
    if (r.status === "submitted") {
      const score = add(el, "div", "seat__score");
      add(score, "span", "seat__total", fmtMilli(r.score, this.lang));
      if (r.passed !== null && r.passed !== undefined) {
        add(score, "span", "seat__verdict", r.passed ? t("live.passed") : t("live.failed"));
      }
      const sections = add(el, "div", "seat__sections");
      const titles = new Map(((this.session && this.session.sections) || []).map((s) => [s.code, s.title || s.code]));
      for (const [code, milli] of Object.entries(r.sections || {})) {
        const s = add(sections, "span", "seat__section", `${titles.get(code) || code} `);
        add(s, "b", null, fmtMilli(milli, this.lang));
      }
    } else {
      const progress = add(el, "div", "seat__progress");
      const bar = add(progress, "progress", "seat__bar");
      bar.max = Math.max(1, r.total);
      bar.value = r.answered;
      add(progress, "span", "seat__count", t("live.answered", { n: r.answered, total: r.total }));
      const time = add(el, "div", "seat__time");
      if (r.status === "working") {
        const left = add(time, "span", "seat__left");
        if (r.deadline != null) {
          left.dataset.deadline = String(r.deadline);
          left.textContent = fmtDuration(r.deadline - this.now());
        } else if (r.paused_left != null) {
          left.textContent = fmtDuration(r.paused_left);
        }
      }
    }
  }

  tick() {
    const now = this.now();
    for (const el of this.list.querySelectorAll(".seat__left[data-deadline]")) {
      const deadline = Number(el.dataset.deadline);
      if (deadline) el.textContent = fmtDuration(deadline - now);
    }
  }

  resync() {
    if (this.socket) this.socket.emit("resync", { f: this.fid });
  }

  connect(path) {
    this.socket = new MiniSocket(path, NS, {
      up: () => {
        this.setConn("live");
        this.stopPolling();
        this.socket.emit("join", { f: this.fid });
      },
      down: (failures) => {
        this.setConn(failures > 2 ? "polling" : "connecting");
        if (failures > 2) this.startPolling();
      },
      event: (name, data) => {
        if (name === "delta") this.delta(data);
        else if (name === "snapshot") this.snapshot(data);
        else if (name === "clock" && data && data.now) this.offset = data.now - Date.now();
      },
    });
    this.setConn("connecting");
    this.socket.open();
  }

  startPolling() {
    if (this.poller) return;
    this.poller = setInterval(() => this.poll(), POLL_MS);
    this.poll();
  }

  stopPolling() {
    clearInterval(this.poller);
    this.poller = null;
  }

  async poll() {
    try {
      const res = await fetch(`/live/api/f/${this.fid}`, { cache: "no-cache" });
      if (res.ok) this.snapshot(await res.json());
    } catch (err) {
      // offline: try again at the next interval
    }
  }
}

function setupFullscreen() {
  const button = document.getElementById("board-fullscreen");
  if (!button) return;
  button.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
}

const root = document.getElementById("board");
if (root && boot) {
  const board = new Board(root, boot);
  board.connect(boot.path || "/socket.io");
  setupFullscreen();
  window.liveBoard = board; // for the browser test and curious auditors
}
