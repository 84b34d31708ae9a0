// Committee pages: login, and the console (overview refreshed every 3 s, logged actions with a reason).
// Rows are updated in place so focus, selection and scroll survive the refresh.

import {
  ApiError, api, el, errorMessage, formatClock, formatNumber, makeT, milliToDecimal, readBoot, scoreField, setText,
  showMessage, withLang, wireLoginForm,
} from "./common.js";
import { Results } from "./results.js";
import { reconcile } from "./tables.js";

const REFRESH_MS = 3000;
const ONLINE_WINDOW_MS = 30000;
const ACTION_ROLES = new Set(["admin", "proctor"]);
const $ = (id) => document.getElementById(id);

// ----- login page --------------------------------------------------------------------------------------

function initLogin() {
  const form = $("committee-login-form");
  const errorBox = $("login-error");
  if (!errorBox.hidden) errorBox.focus();
  wireLoginForm(form, {
    fields: { username: $("login-username"), password: $("login-password") },
    errorBox,
    statusBox: $("login-status"),
    submitButton: $("login-submit"),
    onSuccess: () => window.location.assign(withLang(form.dataset.next || "/panitia")),
  });
}

// ----- console ---------------------------------------------------------------------------------------

const SESSION_ACTIONS = {
  planned: ["open"],
  open: ["pause", "close"],
  paused: ["resume", "close"],
  closed: [],
};

const CANDIDATE_ACTIONS = {
  not_started: ["extend", "reset_login"],
  working: ["extend", "reset_login", "finish"],
  paused: ["extend", "reset_login", "finish"],
  submitted: [],
  absent: [], // never started and the session closed: nothing left to do
};

const ACTION_PATH = { reset_login: "reset-login" };

class Console {
  constructor(boot) {
    this.boot = boot || {};
    this.base = this.boot.api || "/panitia/api";
    this.lang = this.boot.lang || document.documentElement.lang || "id";
    this.t = makeT(this.boot.strings);
    this.msgs = { network: this.t("common.network_error"), server: this.t("common.server_error"),
      rate: this.t("common.rate_limited") };
    this.user = this.boot.user || {};
    this.canAct = ACTION_ROLES.has(this.user.role);
    this.data = { sessions: [], candidates: [] };
    this.sessionRows = new Map();
    this.candidateRows = new Map();
    this.pending = null; // the action the dialog is about
    this.timer = null;
    this.fetchedAt = 0;
    this.names = new Map();
    this.results = null;
  }

  init() {
    setText($("whoami-user"), this.user.username || "");
    setText($("whoami-role"), this.t(`panitia.role.${this.user.role}`));
    $("whoami-role").dataset.role = this.user.role || "";
    document.body.dataset.role = this.user.role || "";
    document.body.dataset.canAct = String(this.canAct);
    $("readonly-note").hidden = this.canAct;
    // Auditors and witnesses cannot run the room, but they do approve or reject key corrections.
    if (!this.canAct && ["auditor", "witness"].includes(this.user.role)) {
      setText($("readonly-note"), this.t("panitia.readonly_approver"));
    }
    for (const th of document.querySelectorAll('th[data-col="actions"]')) th.hidden = !this.canAct;
    for (const th of document.querySelectorAll('th[data-col="token"]')) th.hidden = !this.canAct;
    $("btn-logout").addEventListener("click", () => this.logout());
    $("filter").addEventListener("input", () => this.renderCandidates());
    this.wireDialog();
    // Closing the exam day: publish the results (admin), then anyone can fetch the verifiable record.
    const publish = $("btn-publish");
    if (publish) {
      publish.hidden = this.user.role !== "admin";
      publish.addEventListener("click", () => this.openDialog({ scope: "exam", action: "publish", target: "" }));
    }
    setInterval(() => this.tickRemaining(), 1000);
    this.initResults();
    this.refresh();
  }

  /** Results & corrections (web/static/js/results.js): its own timer, only while the section is open. */
  initResults() {
    if (!$("results-section")) return;
    this.results = new Results({
      t: this.t, lang: this.lang, msgs: this.msgs, user: this.user, url: (path) => this.url(path),
      nameOf: (number) => this.names.get(number) ?? "",
      openDialog: (d) => this.openDialog(d),
      toast: (message) => this.toast(message),
      lost: () => window.location.assign(withLang("/panitia")),
    });
    this.results.init();
  }

  url(path) {
    return `${this.base}${path}`;
  }

  // ----- refresh -------------------------------------------------------------------------------------

  async refresh() {
    clearTimeout(this.timer);
    try {
      const data = await api(this.url("/overview"), { timeoutMs: 8000 });
      this.data = { sessions: data.sessions || [], candidates: data.candidates || [],
        serverTime: Number.isFinite(data.server_time_ms) ? data.server_time_ms : null };
      this.fetchedAt = performance.now();
      const known = this.names.size;
      for (const c of this.data.candidates) this.names.set(c.number, c.name ?? "");
      if (this.results && this.names.size !== known) this.results.render();
      showMessage($("refresh-error"), "");
      const time = new Date().toLocaleTimeString(this.lang === "id" ? "id-ID" : "en-GB");
      setText($("updated"), this.t("panitia.updated", { time }));
      this.render();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        window.location.assign(withLang("/panitia"));
        return;
      }
      showMessage($("refresh-error"), this.t("panitia.refresh_failed", { message: errorMessage(err, this.lang, this.msgs) }));
    }
    this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  render() {
    this.renderSessions();
    this.renderCandidates();
  }



  renderSessions() {
    const counts = new Map();
    for (const c of this.data.candidates) counts.set(c.session, (counts.get(c.session) || 0) + 1);
    reconcile($("sessions-body"), this.sessionRows, this.data.sessions, (s) => s.code,
      (s) => {
        const row = el("tr", { dataset: { session: s.code } },
          el("th", { scope: "row", class: "cell-code" }),
          el("td", {}, el("span", { class: "badge" })),
          el("td", { class: "cell-token", hidden: !this.canAct }),
          el("td", { class: "num" }),
          el("td", { class: "cell-actions", hidden: !this.canAct }, el("div", { class: "actions" })));
        return row;
      },
      (row, s) => {
        const [code, status, token, count, actions] = row.children;
        setText(code, s.title ? `${s.code} — ${s.title}` : s.code);
        const badge = status.firstChild;
        badge.dataset.status = s.status;
        setText(badge, this.t(`panitia.session_status.${s.status}`));
        row.dataset.status = s.status;
        setText(token, s.token || "—");
        const n = s.candidates ?? s.candidate_count ?? counts.get(s.code);
        setText(count, n === undefined ? "—" : formatNumber(n, this.lang));
        if (this.canAct) {
          this.syncButtons(actions.firstChild, SESSION_ACTIONS[s.status] ?? ["open", "pause", "resume", "close"],
            (action) => ({ scope: "session", action, target: s.code }));
        }
      });
  }

  renderCandidates() {
    const query = $("filter").value.trim().toLowerCase();
    const all = this.data.candidates;
    const list = query ? all.filter((c) => [c.number, c.name, c.village, c.position, c.session]
      .some((v) => String(v ?? "").toLowerCase().includes(query))) : all;
    reconcile($("candidates-body"), this.candidateRows, list, (c) => c.number,
      (c) => el("tr", { dataset: { number: c.number } },
        el("th", { scope: "row", class: "cell-number" }),
        el("td", { class: "cell-name" }),
        el("td", { class: "cell-formation" }, el("span", { class: "cell-village" }), el("span", { class: "cell-position" })),
        el("td", { class: "col-session" }),
        el("td", {}, el("span", { class: "badge" })),
        el("td", { class: "num" }),
        el("td", { class: "num cell-remaining" }),
        el("td", { class: "num" }),
        el("td", {}, el("span", { class: "presence" })),
        el("td", { class: "cell-actions", hidden: !this.canAct }, el("div", { class: "actions" }))),
      (row, c) => this.updateCandidateRow(row, c));
    // With a single session the column says nothing; give its width to the action buttons.
    $("candidates-table").classList.toggle("one-session", new Set(all.map((c) => c.session)).size <= 1);
    const empty = $("candidates-empty");
    if (list.length === 0) {
      setText(empty, all.length === 0 ? this.t("panitia.empty") : this.t("panitia.no_match"));
      empty.hidden = false;
    } else {
      empty.hidden = true;
    }
    const by = (status) => all.filter((c) => this.statusOf(c) === status).length;
    setText($("summary"), this.t("panitia.summary", {
      total: all.length, not_started: by("not_started"), working: by("working"), paused: by("paused"),
      submitted: by("submitted"),
    }));
  }

  updateCandidateRow(row, c) {
    const cells = row.children;
    setText(cells[0], c.number);
    setText(cells[1], c.name);
    setText(cells[2].children[0], c.village);
    setText(cells[2].children[1], c.position);
    setText(cells[3], c.session ?? "");
    const badge = cells[4].firstChild;
    const status = this.statusOf(c);
    badge.dataset.status = status;
    setText(badge, this.t(`panitia.cand_status.${status}`));
    row.dataset.status = status;
    const total = c.total ?? c.item_count;
    setText(cells[5], `${formatNumber(c.answered ?? 0, this.lang)}${total !== undefined ? ` / ${formatNumber(total, this.lang)}` : ""}`);
    row.dataset.remaining = c.remaining_ms ?? "";
    setText(cells[6], this.remainingText(c));
    // The overview's "total" is the item count; the score is total_milli (or a plain "score").
    const score = Number.isInteger(c.total_milli) ? milliToDecimal(c.total_milli) : scoreField(c, "score");
    const verdict = c.passed === true ? " ✔" : c.passed === false ? " ✘" : "";
    const scoreText = score === null ? "—" : formatNumber(score, this.lang) + verdict;
    if (cells[7].firstChild?.nodeValue !== scoreText) cells[7].replaceChildren(scoreText);
    if (c.passed !== null && c.passed !== undefined) cells[7].dataset.passed = String(c.passed);
    if (c.replay_url && !cells[7].querySelector(".replay-link")) {
      // The moment the score arrived, on the venue video.
      cells[7].append(" ", el("a", { class: "replay-link", href: c.replay_url, target: "_blank",
        rel: "noopener", title: this.t("panitia.replay"), "aria-label": this.t("panitia.replay") }, "▶"));
    }
    const presence = cells[8].firstChild;
    const online = this.online(c);
    presence.dataset.online = online === null ? "unknown" : String(online);
    setText(presence, this.presenceText(c, online));
    if (this.canAct) {
      this.syncButtons(cells[9].firstChild, CANDIDATE_ACTIONS[status] ?? ["extend", "reset_login", "finish"],
        (action) => ({ scope: "candidate", action, target: c.number }));
    }
  }

  /** The overview reports a working attempt in a paused session as status "working" + paused: true. */
  statusOf(c) {
    return c.status === "working" && c.paused ? "paused" : c.status;
  }

  remainingText(c, elapsed = 0) {
    const status = this.statusOf(c);
    if (!Number.isFinite(c.remaining_ms) || status === "submitted" || status === "not_started") return "—";
    const ms = status === "working" ? c.remaining_ms - elapsed : c.remaining_ms;
    return formatClock(ms);
  }

  /** Count running clocks down between refreshes so the table does not look frozen. */
  tickRemaining() {
    const elapsed = performance.now() - this.fetchedAt;
    for (const c of this.data.candidates) {
      const row = this.candidateRows.get(c.number);
      if (row) setText(row.children[6], this.remainingText(c, elapsed));
    }
  }

  /** Milliseconds since the candidate's browser last reached the server, or null if never. */
  seenAgo(c) {
    const now = Number.isFinite(c.server_time_ms) ? c.server_time_ms : this.data.serverTime;
    if (!Number.isFinite(c.last_seen_ms) || !Number.isFinite(now)) return null;
    return Math.max(0, now - c.last_seen_ms);
  }

  /** true/false when known; the exam page pings every 10 s, so 30 s of silence means offline. */
  online(c) {
    if (typeof c.online === "boolean") return c.online;
    const ago = this.seenAgo(c);
    if (ago === null) return null;
    return ago <= ONLINE_WINDOW_MS;
  }

  presenceText(c, online) {
    const ago = this.seenAgo(c);
    if (ago === null && online === null) return c.logged_in === false ? this.t("panitia.never_seen") : "—";
    const parts = [];
    if (online !== null) parts.push(this.t(online ? "panitia.online" : "panitia.offline"));
    if (ago !== null && online !== true) parts.push(this.t("panitia.seen_ago", { ago: this.ago(ago) }));
    return parts.join(" · ");
  }

  ago(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return this.t("panitia.seconds", { n: s });
    if (s < 3600) return this.t("panitia.minutes", { n: Math.floor(s / 60) });
    return this.t("panitia.hours", { n: Math.floor(s / 3600) });
  }

  /** Keep a cell's action buttons equal to `actions` without recreating buttons that stay. */
  syncButtons(box, actions, describe) {
    const current = [...box.children].map((b) => b.dataset.action);
    if (current.join() === actions.join()) return;
    box.replaceChildren(...actions.map((action) => {
      const d = describe(action);
      return el("button", {
        type: "button",
        class: `btn btn--small btn--action${action === "finish" || action === "close" ? " btn--danger" : ""}`,
        dataset: { action, scope: d.scope, target: d.target },
        title: this.t(`panitia.action.${action}`),
        "aria-label": `${this.t(`panitia.action.${action}`)} — ${d.target}`,
        on: { click: () => this.openDialog(d) },
      }, this.t(`panitia.button.${action}`));
    }));
  }

  // ----- action dialog ----------------------------------------------------------------------------------

  wireDialog() {
    const reason = $("dlg-reason");
    const minutes = $("dlg-minutes");
    const update = () => {
      const okReason = reason.value.trim().length > 0;
      const okMinutes = !this.pending || this.pending.action !== "extend"
        || (Number.isInteger(Number(minutes.value)) && Number(minutes.value) > 0);
      $("dlg-action-confirm").disabled = !(okReason && okMinutes) || this.busy;
    };
    this.updateDialog = update;
    reason.addEventListener("input", update);
    minutes.addEventListener("input", update);
    $("dlg-action-cancel").addEventListener("click", () => $("dlg-action").close());
    $("dlg-action-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.perform();
    });
  }

  /**
   * d: {scope, action, target} for the built-in actions, or a described action from another module:
   * {action, target, path, body, title, explain, confirm, danger, timeoutMs, done(res) → message, after(res)}.
   */
  openDialog(d) {
    if (!this.canAct && !d.path) return;
    this.pending = d;
    this.busy = false;
    const dialog = $("dlg-action");
    dialog.dataset.action = d.action;
    dialog.dataset.target = d.target;
    dialog.dataset.scope = d.scope || "";
    setText($("dlg-action-title"), d.title ?? this.t(`panitia.dialog.${d.action}`, { target: d.target }));
    setText($("dlg-action-explain"), d.explain ?? this.t(`panitia.explain.${d.action}`));
    $("dlg-minutes-field").hidden = d.action !== "extend";
    $("dlg-minutes").value = "5";
    $("dlg-reason").value = "";
    const confirm = $("dlg-action-confirm");
    confirm.classList.toggle("btn--danger", d.danger ?? (d.action === "finish" || d.action === "close"));
    setText(confirm, d.confirm ?? this.t(`panitia.action.${d.action}`));
    showMessage($("dlg-action-error"), "");
    this.updateDialog();
    dialog.showModal();
    (d.action === "extend" ? $("dlg-minutes") : $("dlg-reason")).focus();
  }

  async perform() {
    const d = this.pending;
    if (!d || this.busy) return;
    const reason = $("dlg-reason").value.trim();
    if (!reason) return;
    const body = { ...d.body, reason };
    if (d.action === "extend") body.seconds = Number($("dlg-minutes").value) * 60;
    const action = ACTION_PATH[d.action] || d.action;
    const path = d.path ? d.path : d.scope === "exam" ? `/transparency/${action}`
      : d.scope === "session" ? `/sessions/${encodeURIComponent(d.target)}/${action}`
        : `/candidates/${encodeURIComponent(d.target)}/${action}`;
    this.busy = true;
    this.updateDialog();
    const confirm = $("dlg-action-confirm");
    const label = confirm.textContent;
    setText(confirm, this.t("panitia.working"));
    showMessage($("dlg-action-error"), "");
    try {
      const res = await api(this.url(path), { method: "POST", body, timeoutMs: d.timeoutMs });
      $("dlg-action").close();
      const message = d.done ? d.done(res)
        : res && res.token ? this.t("panitia.new_token", { session: d.target, token: res.token })
          : this.t("panitia.done");
      this.toast(message);
      if (d.after) d.after(res);
      else if (this.results) this.results.refresh(); // a closed session may have opened the key
      this.refresh();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        window.location.assign(withLang("/panitia"));
        return;
      }
      showMessage($("dlg-action-error"), errorMessage(err, this.lang, this.msgs));
    } finally {
      this.busy = false;
      setText(confirm, label);
      this.updateDialog();
    }
  }

  toast(message) {
    const toast = $("toast");
    setText(toast, message);
    toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => {
      toast.hidden = true;
    }, 8000);
  }

  async logout() {
    try {
      await api(this.url("/logout"), { method: "POST", body: {} });
    } catch {
      // the login page is where we go either way
    }
    window.location.assign(withLang("/panitia"));
  }
}

if ($("committee-login-form")) {
  initLogin();
} else if ($("sessions-table")) {
  new Console(readBoot()).init();
}
