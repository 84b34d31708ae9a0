// Candidate pages: the login form and the exam app (instructions, one question at a time, result).
// The server owns the clock and the record; this page keeps every change in the journal until the
// server acknowledged it, so the candidate can keep answering through a network cut.

import {
  ApiError, api, el, errorMessage, formatClock, formatNumber, makeT, milliToDecimal, readBoot, scoreField, setText,
  showMessage, withLang, wireLoginForm,
} from "./common.js";
import { Journal, journalKey } from "./journal.js";
import { KINDS, answered as kindAnswered, renderKind } from "./kinds.js";

const PING_MS = 15000;
const PAUSE_POLL_MS = 2000;
const INSTRUCTIONS_POLL_MS = 15000;
const TICK_MS = 250;
const WARN_MS = 5 * 60 * 1000;
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOGIN_PATH = "/ujian";

const $ = (id) => document.getElementById(id);

// ----- login page --------------------------------------------------------------------------------------

function initLogin() {
  const form = $("login-form");
  const pin = $("login-pin");
  const toggle = $("login-pin-toggle");
  toggle.addEventListener("click", () => {
    const show = pin.type === "password";
    pin.type = show ? "text" : "password";
    toggle.setAttribute("aria-pressed", String(show));
    toggle.textContent = show ? form.dataset.msgPinHide : form.dataset.msgPinShow;
    toggle.setAttribute("aria-label", show ? form.dataset.msgPinHideLabel : form.dataset.msgPinShowLabel);
  });
  const errorBox = $("login-error");
  if (!errorBox.hidden) errorBox.focus();
  wireLoginForm(form, {
    fields: { number: $("login-number"), pin, token: $("login-token") },
    errorBox,
    statusBox: $("login-status"),
    submitButton: $("login-submit"),
    onSuccess: () => {
      setText($("login-status"), form.dataset.msgSuccess);
      window.location.assign(withLang(form.dataset.next || "/ujian/exam"));
    },
  });
}

// ----- answer values ---------------------------------------------------------------------------------

function isAnswered(value) {
  return kindAnswered(value);
}

function sameValue(a, b, ordered = false) {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (ordered) return a.length === b.length && a.every((v, i) => v === b[i]);
    return a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000");
  }
  if (a && b && typeof a === "object" && typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return (a ?? null) === (b ?? null);
}

// ----- the exam app ----------------------------------------------------------------------------------

class ExamApp {
  constructor(boot) {
    this.boot = boot || {};
    this.base = this.boot.api || "/ujian/api";
    this.lang = this.boot.lang || document.documentElement.lang || "id";
    this.t = makeT(this.boot.strings);
    this.msgs = { network: this.t("common.network_error"), server: this.t("common.server_error"),
      rate: this.t("common.rate_limited") };
    this.state = null;
    this.items = [];
    this.serverAnswers = {};
    this.sectionTitles = {};
    this.current = 0;
    this.journal = null;
    this.mode = "loading";
    this.deadline = null;
    this.remaining = null;
    this.warned = false;
    this.connectionLost = false;
    this.pingTimer = null;
    this.pauseTimer = null;
    this.instrTimer = null;
    this.endingPromise = null;
    this.navButtons = [];
    this.optionButtons = [];
    this.kindView = null;
    this.leaving = false;
  }

  init() {
    $("btn-start").addEventListener("click", () => this.start());
    $("btn-prev").addEventListener("click", () => this.go(this.current - 1));
    $("btn-next").addEventListener("click", () => {
      if ($("btn-next").dataset.mode === "finish") this.openFinish();
      else this.go(this.current + 1);
    });
    $("btn-unsure").addEventListener("click", () => this.toggleUnsure());
    $("btn-clear").addEventListener("click", () => this.clearAnswer());
    $("btn-finish").addEventListener("click", () => this.openFinish());
    $("btn-finish-cancel").addEventListener("click", () => $("dlg-finish").close());
    $("btn-finish-confirm").addEventListener("click", () => this.submit());
    $("btn-logout").addEventListener("click", () => this.logout());
    $("q-options").addEventListener("click", (event) => this.onOptionClick(event));
    $("nav-grid").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-index]");
      if (button) this.go(Number(button.dataset.index));
    });
    document.addEventListener("keydown", (event) => this.onKey(event));
    window.addEventListener("online", () => {
      if (this.journal) this.journal.nudge();
      this.ping();
    });
    window.addEventListener("offline", () => this.setConnection(false));
    setInterval(() => this.tick(), TICK_MS);
    this.load();
  }

  url(path) {
    return `${this.base}${path}`;
  }

  // ----- loading and state -----------------------------------------------------------------------------

  async load() {
    let failures = 0;
    for (;;) {
      try {
        const state = await api(this.url("/attempt"));
        this.apply(state);
        return;
      } catch (err) {
        if (this.handleAuth(err)) return;
        failures += 1;
        setText($("loading-text"), `${this.t("exam.load_failed")} (${errorMessage(err, this.lang, this.msgs)})`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** failures)));
      }
    }
  }

  /** Reload the state from the server (after a conflict or a stale acknowledgement). */
  async resync() {
    try {
      this.apply(await api(this.url("/attempt")));
    } catch (err) {
      this.handleAuth(err);
    }
  }

  handleAuth(err) {
    if (err instanceof ApiError && err.status === 401) {
      this.toLogin();
      return true;
    }
    return false;
  }

  toLogin() {
    // The journal stays in localStorage and is replayed after the candidate logs in again.
    if (this.leaving) return;
    this.leaving = true;
    window.location.assign(withLang(LOGIN_PATH));
  }

  apply(state) {
    this.state = state;
    if (Number.isFinite(state.remaining_ms)) this.setRemaining(state.remaining_ms);
    const exam = state.exam || {};
    this.sectionTitles = Object.fromEntries((exam.sections || []).map((s) => [s.code, s.title]));
    this.serverAnswers = { ...(state.answers || {}) };
    if (!this.journal && exam.code && state.candidate?.number) this.createJournal(exam.code, state.candidate.number);
    if (this.journal) this.journal.observeSeq(state.last_seq);
    if (Array.isArray(state.items) && state.items.length > 0) this.setItems(state.items);

    switch (state.status) {
      case "not_started":
        this.showInstructions();
        break;
      case "working":
        this.showExam();
        if (this.mode === "paused") this.exitPaused();
        this.mode = "working";
        if (this.journal) {
          this.journal.unblock();
          this.journal.start();
        }
        this.schedulePing();
        break;
      case "paused":
        this.showExam();
        this.enterPaused();
        break;
      case "submitted":
        this.showResult();
        break;
      default:
        this.showInstructions();
    }
    this.tick();
  }

  createJournal(examCode, number) {
    this.journal = new Journal({
      storageKey: journalKey(examCode, number),
      lastSeq: this.state.last_seq || 0,
      send: (e) => api(this.url("/answer"), {
        method: "POST", body: { item: e.item, value: e.value, flag: e.flag, seq: e.seq, key: e.key },
      }),
    });
    this.journal.addEventListener("change", () => this.refreshStatus());
    this.journal.addEventListener("ack", (ev) => this.onAck(ev.detail.entry, ev.detail.response));
    this.journal.addEventListener("blocked", (ev) => this.onBlocked(ev.detail.reason));
    this.journal.addEventListener("rejected", (ev) => this.onRejected(ev.detail.entry, ev.detail.error));
  }

  setItems(items) {
    const same = items.length === this.items.length && items.every((it, i) => it.id === this.items[i].id);
    this.items = items;
    if (same) return;
    this.buildNav();
    const saved = this.loadPosition();
    const index = items.findIndex((it) => it.id === saved);
    this.current = index >= 0 ? index : Math.min(this.current, items.length - 1);
  }

  setRemaining(ms) {
    this.remaining = Math.max(0, ms);
    this.deadline = performance.now() + this.remaining;
  }

  remainingNow() {
    if (this.mode === "working" && this.deadline !== null) return Math.max(0, this.deadline - performance.now());
    return this.remaining ?? 0;
  }

  positionKey() {
    const s = this.state || {};
    return `ujian.pos.${s.exam?.code}.${s.candidate?.number}`;
  }

  loadPosition() {
    try {
      return sessionStorage.getItem(this.positionKey());
    } catch {
      return null;
    }
  }

  savePosition(itemId) {
    try {
      sessionStorage.setItem(this.positionKey(), itemId);
    } catch {
      // not important enough to warn about
    }
  }

  // ----- views ------------------------------------------------------------------------------------------

  showView(name) {
    for (const view of ["loading", "instructions", "exam", "result"]) $(`view-${view}`).hidden = view !== name;
    $("exam-status").hidden = name !== "exam";
    document.body.dataset.view = name;
    window.scrollTo(0, 0);
    this.tick();
  }

  fillFacts(prefix) {
    const c = this.state.candidate || {};
    setText($(`${prefix}-number`), c.number);
    setText($(`${prefix}-name`), c.name);
    setText($(`${prefix}-village`), c.village);
    setText($(`${prefix}-position`), c.position);
  }

  showInstructions() {
    this.mode = "instructions";
    const exam = this.state.exam || {};
    this.fillFacts("instr");
    setText($("instr-exam-title"), exam.title);
    const minutes = Math.round((exam.duration_s || 0) / 60);
    setText($("instr-duration"), this.t("exam.duration_value", { minutes: formatNumber(minutes, this.lang) }));
    setText($("instr-count"), this.t("exam.item_count_value", { count: formatNumber(exam.item_count ?? 0, this.lang) }));
    setText($("instr-sections"), (exam.sections || []).map((s) => s.title || s.code).join(" · "));
    setText($("instr-text"), exam.instructions || this.t("exam.instructions_default"));
    const session = this.state.session;
    $("instr-session-note").hidden = !session || session.status === "open";
    if ($("view-instructions").hidden) {
      this.showView("instructions");
      $("instr-title").setAttribute("tabindex", "-1");
      $("instr-title").focus({ preventScroll: true });
    }
    // Keep the session note current while the candidate waits for the proctor's signal: a light ping
    // (jittered, so a room of PCs does not ask in step), and the full state only when something changed.
    this.watchInstructions();
  }

  watchInstructions() {
    clearTimeout(this.instrTimer);
    this.instrTimer = setTimeout(async () => {
      if (this.mode !== "instructions" || this.starting) return;
      try {
        const p = await api(this.url("/ping"), { timeoutMs: 5000 });
        if (p.status !== this.state.status || (p.session && p.session !== this.state.session?.status)) {
          this.resync();
          return;
        }
      } catch (err) {
        if (this.handleAuth(err)) return;
      }
      this.watchInstructions();
    }, INSTRUCTIONS_POLL_MS * (0.75 + Math.random() / 2));
  }

  async start() {
    if (this.starting) return;
    this.starting = true;
    const button = $("btn-start");
    button.disabled = true;
    setText(button, this.t("exam.starting"));
    showMessage($("instr-error"), "");
    try {
      const state = await api(this.url("/start"), { method: "POST", body: {} });
      this.starting = false;
      this.apply(state);
      if (state.status === "working") $("q-heading").focus({ preventScroll: true });
    } catch (err) {
      this.starting = false;
      if (this.handleAuth(err)) return;
      showMessage($("instr-error"), errorMessage(err, this.lang, this.msgs));
    } finally {
      button.disabled = false;
      setText(button, this.t("exam.start"));
    }
  }

  showExam() {
    clearTimeout(this.instrTimer);
    const c = this.state.candidate || {};
    $("exam-who").replaceChildren(el("span", { text: this.t("exam.candidate") }),
      el("strong", { id: "exam-who-number", text: c.number ?? "" }), el("span", { text: c.name ?? "" }));
    if ($("view-exam").hidden) {
      this.showView("exam");
      this.renderQuestion();
    } else {
      this.refreshAnswerUI();
    }
  }

  // ----- navigation grid -------------------------------------------------------------------------------

  buildNav() {
    const grid = $("nav-grid");
    grid.replaceChildren();
    this.navButtons = this.items.map((item, index) => {
      const button = el("button", {
        type: "button", class: "navbtn", dataset: { index: String(index), item: item.id, no: String(item.no) },
      }, String(item.no));
      grid.append(button);
      return button;
    });
  }

  // ----- one question --------------------------------------------------------------------------------

  view(itemId) {
    const overlaid = this.journal ? this.journal.overlay(this.serverAnswers) : this.serverAnswers;
    return overlaid[itemId] || { value: null, flag: false };
  }

  renderQuestion() {
    const item = this.items[this.current];
    if (!item) return;
    this.savePosition(item.id);
    const q = $("question");
    q.dataset.item = item.id;
    q.dataset.kind = item.kind;
    q.dataset.no = String(item.no);
    setText($("q-heading"), this.t("exam.question_of", { no: item.no, total: this.items.length }));
    const section = this.sectionTitles[item.section] || item.section || "";
    setText($("q-section"), section ? `${this.t("exam.section")}: ${section}` : "");
    $("q-section").hidden = !section;
    setText($("q-text"), item.text);
    const figure = $("q-figure");
    if (item.image) {
      const img = $("q-image");
      img.src = item.image;
      img.alt = this.t("exam.image_alt", { no: item.no });
      figure.hidden = false;
    } else {
      figure.hidden = true;
      $("q-image").removeAttribute("src");
    }
    const hints = { single: "exam.single_hint", tkp: "exam.tkp_hint", multi: "exam.multi_hint",
      truefalse: "exam.truefalse_hint", short_text: "exam.short_text_hint", numeric: "exam.numeric_hint",
      ordering: "exam.ordering_hint", matching: "exam.matching_hint", typing: "exam.typing_hint",
      document: "exam.practical_hint", spreadsheet: "exam.practical_hint" };
    setText($("q-hint"), this.t(hints[item.kind] || "exam.single_hint"));

    const box = $("q-options");
    box.replaceChildren();
    if (this.kindView) this.kindView.stop();
    this.kindView = null;
    if (KINDS.has(item.kind)) {
      box.removeAttribute("role");
      box.setAttribute("aria-labelledby", "q-heading");
      box.dataset.kind = item.kind;
      this.optionButtons = [];
      this.kindView = renderKind(item, box, {
        t: this.t, lang: this.lang, msgs: this.msgs, value: this.view(item.id).value,
        active: () => this.mode === "working",
        save: (value) => {
          if (this.mode !== "working") return;
          this.change(item, value, Boolean(this.view(item.id).flag));
        },
        upload: (file) => this.upload(item, file),
      });
      this.refreshAnswerUI();
      return;
    }
    box.setAttribute("role", item.kind === "multi" ? "group" : "radiogroup");
    box.setAttribute("aria-labelledby", "q-heading");
    box.dataset.kind = item.kind;
    if (item.kind === "truefalse") {
      this.optionButtons = [
        this.optionButton({ key: this.t("exam.true_key"), value: true, text: this.t("exam.true"), tf: true }),
        this.optionButton({ key: this.t("exam.false_key"), value: false, text: this.t("exam.false"), tf: true }),
      ];
    } else {
      this.optionButtons = (item.options || []).map((opt, i) =>
        this.optionButton({ key: opt.label || LETTERS[i], value: opt.id, text: opt.text, image: opt.image, multi: item.kind === "multi" }));
    }
    box.append(...this.optionButtons);
    this.refreshAnswerUI();
  }

  /** Send a practical task's file; the answer that names it is saved through the journal afterwards. */
  upload(item, file) {
    return api(this.url(`/upload?item=${encodeURIComponent(item.id)}`), {
      method: "POST", raw: file, timeoutMs: 120000,
      headers: { "X-Ujian-Upload": "1", "X-File-Name": encodeURIComponent(file.name) },
    });
  }

  optionButton({ key, value, text, image, multi = false, tf = false }) {
    const body = el("span", { class: "option__body" },
      el("span", { class: "option__text", text: text || "" }),
      image ? el("img", { class: "option__img", src: image, alt: this.t("exam.option_image_alt", { letter: key }) }) : null);
    return el("button", {
      type: "button",
      class: tf ? "option option--tf" : multi ? "option option--multi" : "option",
      role: multi ? "checkbox" : "radio",
      "aria-checked": "false",
      dataset: { value: JSON.stringify(value), key, option: tf ? String(value) : value },
    },
    el("span", { class: "option__key", "aria-hidden": "true", text: key }),
    el("span", { class: "visually-hidden", text: `${key}. ` }),
    body,
    el("span", { class: "option__check", "aria-hidden": "true" }));
  }

  onOptionClick(event) {
    const button = event.target.closest("button.option");
    if (!button || this.mode !== "working") return;
    this.choose(JSON.parse(button.dataset.value));
  }

  /** Select an option (single/tkp/truefalse) or toggle it (multi). Choosing the chosen one keeps it. */
  choose(optionValue) {
    const item = this.items[this.current];
    if (!item || this.mode !== "working") return;
    const now = this.view(item.id);
    let value;
    if (item.kind === "multi") {
      const chosen = new Set(Array.isArray(now.value) ? now.value : []);
      if (chosen.has(optionValue)) chosen.delete(optionValue);
      else chosen.add(optionValue);
      // Keep the displayed order so the stored list reads naturally.
      value = (item.options || []).map((o) => o.id).filter((id) => chosen.has(id));
      if (value.length === 0) value = null;
    } else {
      value = optionValue;
    }
    this.change(item, value, Boolean(now.flag));
  }

  clearAnswer() {
    const item = this.items[this.current];
    if (!item) return;
    const now = this.view(item.id);
    if (!isAnswered(now.value)) return;
    this.change(item, null, Boolean(now.flag));
    $("q-heading").focus({ preventScroll: true });
  }

  toggleUnsure() {
    const item = this.items[this.current];
    if (!item || this.mode !== "working") return;
    const now = this.view(item.id);
    this.change(item, now.value ?? null, !now.flag);
  }

  change(item, value, flag) {
    const now = this.view(item.id);
    if (sameValue(now.value, value, item.kind === "ordering") && Boolean(now.flag) === flag) return;
    this.journal.record(item.id, value, flag);
    this.refreshAnswerUI();
  }

  go(index) {
    if (index < 0 || index >= this.items.length || index === this.current) return;
    this.current = index;
    this.renderQuestion();
    const heading = $("q-heading");
    heading.focus({ preventScroll: true });
    // Bring the question's heading just below the sticky header when it is hidden or far down.
    const headerBottom = document.querySelector(".topbar")?.getBoundingClientRect().bottom ?? 0;
    const top = heading.getBoundingClientRect().top;
    if (top < headerBottom + 4 || top > window.innerHeight * 0.5) window.scrollBy(0, top - headerBottom - 12);
  }

  // ----- indicators ------------------------------------------------------------------------------------

  itemState(item) {
    const v = this.view(item.id);
    if (v.flag) return "unsure";
    return isAnswered(v.value) ? "answered" : "unanswered";
  }

  refreshAnswerUI() {
    const item = this.items[this.current];
    if (!item) return;
    const v = this.view(item.id);
    if (this.kindView) this.kindView.refresh(v.value ?? null);
    for (const button of this.optionButtons) {
      const value = JSON.parse(button.dataset.value);
      const on = item.kind === "multi" ? Array.isArray(v.value) && v.value.includes(value) : sameValue(v.value, value);
      button.setAttribute("aria-checked", String(on));
      button.classList.toggle("is-selected", on);
    }
    $("btn-clear").hidden = !isAnswered(v.value) || (this.kindView !== null && !this.kindView.clearable);
    const unsure = $("btn-unsure");
    unsure.setAttribute("aria-pressed", String(Boolean(v.flag)));
    unsure.classList.toggle("is-on", Boolean(v.flag));
    $("btn-prev").disabled = this.current === 0;
    const last = this.current === this.items.length - 1;
    const next = $("btn-next");
    next.dataset.mode = last ? "finish" : "next";
    setText($("btn-next-label"), last ? this.t("exam.finish") : this.t("exam.next"));
    this.refreshStatus();
  }

  /** Nav grid, per-question and global save indicators; cheap enough to run on every journal change. */
  refreshStatus() {
    if (!this.journal || this.items.length === 0) return;
    const journal = this.journal;
    this.items.forEach((item, index) => {
      const button = this.navButtons[index];
      if (!button) return;
      const state = this.itemState(item);
      const pending = journal.hasPending(item.id);
      button.dataset.state = state;
      button.dataset.pending = String(pending);
      if (index === this.current) button.setAttribute("aria-current", "step");
      else button.removeAttribute("aria-current");
      const label = this.t("exam.nav_item", { no: item.no, state: this.stateLabel(state, pending) });
      if (button.getAttribute("aria-label") !== label) button.setAttribute("aria-label", label);
    });

    const item = this.items[this.current];
    const qsave = $("q-save");
    if (item) {
      let state = "none";
      let text = "";
      if (journal.hasPending(item.id)) {
        const stuck = journal.failing || journal.blocked || this.connectionLost;
        state = stuck ? "offline" : "saving";
        text = stuck ? this.t("exam.offline_short") : this.t("exam.saving");
      } else if (this.serverAnswers[item.id]) {
        state = "saved";
        text = this.t("exam.saved");
      }
      qsave.dataset.state = state;
      setText(qsave, text);
    }

    const global = $("save-status");
    const count = journal.count;
    let gstate = journal.state;
    if (gstate === "saving" && this.connectionLost) gstate = "offline";
    global.dataset.state = gstate;
    global.dataset.unsent = String(count);
    let gtext;
    if (gstate === "idle") gtext = this.t("exam.saved");
    else if (gstate === "saving") gtext = this.t("exam.saving");
    else gtext = this.t("exam.unsent_count", { count });
    setText($("save-status-text"), gtext);

    const offline = (gstate === "offline") || this.connectionLost;
    const banner = $("conn-banner");
    if (offline && this.mode === "working") {
      const unsent = count > 0 ? ` (${this.t("exam.unsent_count", { count })})` : "";
      setText(banner, (count > 0 ? this.t("exam.offline") : this.t("exam.connection_lost")) + unsent);
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
    if (!journal.persistent) showMessage($("alert-banner"), this.t("exam.storage_failed"));
  }

  stateLabel(state, pending) {
    const base = { answered: "exam.legend_answered", unsure: "exam.legend_unsure",
      unanswered: "exam.legend_unanswered" }[state];
    return this.t(base) + (pending ? `, ${this.t("exam.legend_pending")}` : "");
  }

  setConnection(ok) {
    if (this.connectionLost === !ok) return;
    this.connectionLost = !ok;
    this.refreshStatus();
  }

  // ----- journal events ---------------------------------------------------------------------------------

  onAck(entry, response) {
    this.setConnection(true);
    if (response && Number.isFinite(response.remaining_ms)) this.setRemaining(response.remaining_ms);
    if (response && response.stale) {
      // The server holds a newer answer than ours for this item: fetch it so the screen matches the record.
      this.resync();
    } else {
      this.serverAnswers[entry.item] = { value: entry.value, flag: entry.flag, seq: entry.seq };
    }
    if (response && response.status === "paused") this.enterPaused();
    else if (response && response.status === "submitted") this.ended();
    this.refreshAnswerUI();
  }

  onBlocked(reason) {
    if (reason === "paused") this.enterPaused();
    else if (reason === "ended") this.ended();
    else if (reason === "auth") this.toLogin();
    else this.resync();
    this.refreshStatus();
  }

  onRejected(entry, error) {
    const item = this.items.find((it) => it.id === entry.item);
    showMessage($("alert-banner"), this.t("exam.rejected", {
      no: item ? item.no : "?", message: errorMessage(error, this.lang, this.msgs) }));
    this.refreshAnswerUI();
  }

  // ----- clock, ping, pause -------------------------------------------------------------------------------

  tick() {
    if (this.mode !== "working" && this.mode !== "paused" && this.mode !== "timeup") return;
    const left = this.mode === "timeup" ? 0 : this.remainingNow();
    setText($("timer-value"), formatClock(left));
    const warn = left <= WARN_MS;
    const timer = $("timer");
    if (timer.dataset.warn !== String(warn)) timer.dataset.warn = String(warn);
    if (warn && !this.warned && this.mode === "working" && left > 0) {
      // Announce once, then leave the red clock to say it (a permanent banner would only distract).
      this.warned = true;
      $("time-warning").hidden = false;
      clearTimeout(this.warnTimer);
      this.warnTimer = setTimeout(() => {
        $("time-warning").hidden = true;
      }, 30000);
    } else if (!warn && this.warned) {
      this.warned = false;
      $("time-warning").hidden = true;
    }
    if (this.mode === "paused") setText($("overlay-time"), `${this.t("exam.time_left")}: ${formatClock(left)}`);
    if (this.mode === "working" && left <= 0) this.timeUp();
  }

  schedulePing() {
    clearTimeout(this.pingTimer);
    // Jittered, so a room of PCs that started together does not keep asking in step.
    this.pingTimer = setTimeout(() => this.ping(), PING_MS * (0.8 + Math.random() * 0.4));
  }

  async ping() {
    if (this.mode !== "working" && this.mode !== "paused") return;
    clearTimeout(this.pingTimer);
    try {
      const p = await api(this.url("/ping"), { timeoutMs: 8000 });
      this.setConnection(true);
      this.handlePing(p);
    } catch (err) {
      if (this.handleAuth(err)) return;
      if (err instanceof ApiError && err.transient) this.setConnection(false);
    } finally {
      if (this.mode === "working") this.schedulePing();
    }
  }

  handlePing(p) {
    if (this.journal) this.journal.observeSeq(p.last_seq);
    if (p.status === "working") {
      if (Number.isFinite(p.remaining_ms)) this.setRemaining(p.remaining_ms);
      if (this.mode === "paused") this.exitPaused();
    } else if (p.status === "paused") {
      if (Number.isFinite(p.remaining_ms)) this.setRemaining(p.remaining_ms);
      this.enterPaused();
    } else if (p.status === "submitted") {
      this.ended();
    }
  }

  enterPaused() {
    if (this.mode === "result") return;
    this.remaining = this.remainingNow();
    if (this.mode !== "paused") {
      this.mode = "paused";
      this.showOverlay("paused", this.t("exam.paused_title"), this.t("exam.paused_body"));
    }
    this.tick();
    this.pollPause();
  }

  pollPause() {
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(async () => {
      if (this.mode !== "paused") return;
      try {
        const p = await api(this.url("/ping"), { timeoutMs: 5000 });
        this.setConnection(true);
        this.handlePing(p);
      } catch (err) {
        if (this.handleAuth(err)) return;
      }
      if (this.mode === "paused") this.pollPause();
    }, PAUSE_POLL_MS);
  }

  exitPaused() {
    clearTimeout(this.pauseTimer);
    this.mode = "working";
    this.deadline = performance.now() + (this.remaining ?? 0);
    this.hideOverlay();
    if (this.journal) {
      this.journal.unblock();
      this.journal.start();
    }
    this.schedulePing();
    this.refreshAnswerUI();
  }

  showOverlay(kind, title, body) {
    const overlay = $("overlay");
    overlay.dataset.kind = kind;
    setText($("overlay-title"), title);
    setText($("overlay-body"), body);
    setText($("overlay-time"), "");
    if ($("dlg-finish").open) $("dlg-finish").close();
    $("main").inert = true;
    overlay.hidden = false;
    $("overlay-title").focus({ preventScroll: true });
  }

  hideOverlay() {
    $("overlay").hidden = true;
    $("main").inert = false;
  }

  // ----- the end ----------------------------------------------------------------------------------------

  /** The local clock reached zero: let the journal finish, then ask the server (which submits). */
  timeUp() {
    if (this.mode === "timeup" || this.mode === "result") return;
    this.mode = "timeup";
    clearTimeout(this.pingTimer);
    this.showOverlay("timeup", this.t("exam.time_up"), this.t("exam.time_up_body"));
    this.ended({ settleFirst: true });
  }

  /** The attempt is over (or may be): fetch the final state, retrying until the server answers. */
  ended({ settleFirst = false } = {}) {
    if (this.endingPromise) return this.endingPromise;
    clearTimeout(this.pingTimer);
    clearTimeout(this.pauseTimer);
    if (this.mode !== "timeup") {
      this.mode = "timeup";
      this.showOverlay("timeup", this.t("exam.time_up"), this.t("exam.time_up_body"));
    }
    this.endingPromise = (async () => {
      if (settleFirst && this.journal) {
        await Promise.race([this.journal.settle(), new Promise((r) => setTimeout(r, 10000))]);
      }
      for (let attempt = 0; ; attempt += 1) {
        try {
          const state = await api(this.url("/attempt"));
          if (state.status === "working" && !(state.remaining_ms > 0)) {
            // The server has not closed the attempt yet; ask again shortly.
            await new Promise((r) => setTimeout(r, 1000));
            continue;
          }
          this.endingPromise = null;
          if (state.status === "working") {
            // Our clock ran ahead of the server's; carry on.
            this.hideOverlay();
            this.mode = "working";
          }
          this.apply(state);
          return;
        } catch (err) {
          if (this.handleAuth(err)) return;
          await new Promise((r) => setTimeout(r, Math.min(5000, 1000 * (attempt + 1))));
        }
      }
    })();
    return this.endingPromise;
  }

  openFinish() {
    if (this.mode !== "working") return;
    const stats = $("finish-stats");
    const states = this.items.map((it) => this.itemState(it));
    const answered = this.items.filter((it) => isAnswered(this.view(it.id).value)).length;
    const unanswered = this.items.length - answered;
    const unsure = states.filter((s) => s === "unsure").length;
    const count = this.journal.count;
    stats.replaceChildren(...[
      el("li", { class: "finish-stats__answered", id: "finish-answered" },
        this.t("exam.finish_answered", { count: answered, total: this.items.length })),
      el("li", { class: `finish-stats__unanswered${unanswered ? " is-warn" : ""}`, id: "finish-unanswered",
        dataset: { count: String(unanswered) } }, this.t("exam.finish_unanswered", { count: unanswered })),
      el("li", { class: `finish-stats__unsure${unsure ? " is-warn" : ""}`, id: "finish-unsure",
        dataset: { count: String(unsure) } }, this.t("exam.finish_unsure", { count: unsure })),
      count > 0 ? el("li", { class: "finish-stats__unsent is-warn", id: "finish-unsent" },
        this.t("exam.finish_unsent", { count })) : null,
    ].filter(Boolean));
    showMessage($("finish-error"), "");
    $("dlg-finish").showModal();
    $("btn-finish-cancel").focus();
  }

  async submit() {
    const confirm = $("btn-finish-confirm");
    if (confirm.disabled) return;
    confirm.disabled = true;
    setText(confirm, this.t("exam.submitting"));
    showMessage($("finish-error"), "");
    try {
      this.journal.nudge();
      await Promise.race([this.journal.settle(), new Promise((r) => setTimeout(r, 15000))]);
      if (this.journal.count > 0 && !this.journal.blocked) {
        showMessage($("finish-error"), this.t("exam.submit_unsent"));
        return;
      }
      if (this.journal.blocked === "paused") {
        $("dlg-finish").close();
        return;
      }
      const state = await api(this.url("/submit"), { method: "POST", body: { confirm: true } });
      $("dlg-finish").close();
      this.apply(state);
    } catch (err) {
      if (this.handleAuth(err)) return;
      if (err instanceof ApiError && err.status === 409 && err.code === "exam.time_up") {
        $("dlg-finish").close();
        this.ended();
        return;
      }
      if (err instanceof ApiError && err.status === 409 && err.code === "exam.paused") {
        $("dlg-finish").close();
        this.enterPaused();
        return;
      }
      showMessage($("finish-error"), errorMessage(err, this.lang, this.msgs));
    } finally {
      confirm.disabled = false;
      setText(confirm, this.t("exam.finish_confirm"));
    }
  }

  showResult() {
    const firstTime = this.mode !== "result";
    this.mode = "result";
    clearTimeout(this.pingTimer);
    clearTimeout(this.pauseTimer);
    clearTimeout(this.instrTimer);
    this.hideOverlay();
    if ($("dlg-finish").open) $("dlg-finish").close();
    $("time-warning").hidden = true;
    $("conn-banner").hidden = true;
    const lost = this.journal ? this.journal.clear() : 0;
    if (lost > 0) showMessage($("result-lost"), this.t("exam.result_lost", { count: lost }));

    const state = this.state;
    setText($("result-exam-title"), state.exam?.title);
    this.fillFacts("result");
    const result = state.result;
    $("result-scores").hidden = !result;
    $("result-pending").hidden = Boolean(result);
    $("result-overall").hidden = !result;
    if (result) this.renderResult(result);
    this.renderReceipt(state.receipt);
    if (firstTime) {
      this.showView("result");
      $("result-title").setAttribute("tabindex", "-1");
      $("result-title").focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  }

  /** The candidate's receipt: the hash of their final answers and, once signed, the checkpoint holding it. */
  renderReceipt(receipt) {
    let box = $("result-receipt");
    if (!box) {
      box = el("section", { id: "result-receipt", class: "receipt" });
      $("result-note").before(box);
    }
    if (!receipt) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const signed = Boolean(receipt.checkpoint);
    box.dataset.signed = String(signed);
    box.replaceChildren(
      el("h2", { text: this.t("exam.receipt_title") }),
      el("p", { text: this.t("exam.receipt_hash") }),
      el("code", { class: "receipt__hash", id: "receipt-hash", text: receipt.answers_hash }),
      el("p", { text: this.t(signed ? "exam.receipt_signed" : "exam.receipt_waiting") }),
      el("a", { class: "btn btn-big", id: "receipt-print", href: "/ujian/receipt", target: "_blank", rel: "noopener" },
        this.t("exam.receipt_print")));
    if (!signed) {
      // The next signed checkpoint comes within seconds; fetch the receipt again until it is there.
      clearTimeout(this.receiptTimer);
      this.receiptTimer = setTimeout(async () => {
        try {
          this.state = await api(this.url("/attempt"));
          this.renderReceipt(this.state.receipt);
        } catch (err) {
          this.handleAuth(err);
        }
      }, 3000);
    }
  }

  renderResult(result) {
    // Scores arrive as integer milli-points (unit "milli") or as points (decimal strings or integers).
    const milli = result.unit === "milli";
    const n = (v) => formatNumber(milli && Number.isInteger(v) ? milliToDecimal(v) : v, this.lang);
    const verdict = (passed) => el("span", { class: `verdict verdict--${passed ? "pass" : "fail"}` },
      el("span", { "aria-hidden": "true", text: passed ? "✔ " : "✘ " }), this.t(passed ? "exam.passed" : "exam.failed"));
    // data-label lets the phone layout show each number with its column name.
    const label = {
      score: this.t("exam.result_score"), max: this.t("exam.result_max"),
      pass: this.t("exam.result_pass_min"), status: this.t("exam.result_status"),
    };
    const rows = (result.sections || []).map((s) => el("tr", { dataset: { section: s.code, passed: String(Boolean(s.passed)) } },
      el("th", { scope: "row" }, s.title || this.sectionTitles[s.code] || s.code),
      el("td", { class: "num score", "data-label": label.score }, n(scoreField(s, "score"))),
      el("td", { class: "num", "data-label": label.max }, n(scoreField(s, "max"))),
      el("td", { class: "num", "data-label": label.pass }, n(scoreField(s, "pass_min"))),
      el("td", { "data-label": label.status }, verdict(Boolean(s.passed)))));
    $("result-body").replaceChildren(...rows);
    $("result-foot").replaceChildren(el("tr", { class: "total", id: "result-total-row" },
      el("th", { scope: "row" }, this.t("exam.result_total")),
      el("td", { class: "num score", id: "result-total", "data-label": label.score }, n(scoreField(result, "total"))),
      el("td", { class: "num", "data-label": label.max }, n(scoreField(result, "max_total"))),
      el("td", { class: "num", "data-label": label.pass }, n(scoreField(result, "pass_total_min"))),
      el("td", { "data-label": label.status }, verdict(Boolean(result.passed)))));
    const overall = $("result-overall");
    overall.dataset.passed = String(Boolean(result.passed));
    overall.replaceChildren(`${this.t("exam.result_overall")}: `,
      el("strong", { text: this.t(result.passed ? "exam.passed" : "exam.failed").toUpperCase() }));
    this.renderRubrics(result.rubrics || [], n);
  }

  /** Practical tasks: every rubric line with its published description, what was found, and its points. */
  renderRubrics(rubrics, n) {
    let box = $("result-rubrics");
    if (!box) {
      box = el("div", { id: "result-rubrics", class: "rubrics" });
      $("result-overall").after(box);
    }
    const en = this.lang === "en";
    box.replaceChildren(...rubrics.map((r) => el("section", { class: "rubric", dataset: { item: r.item } },
      el("h2", { class: "rubric__title" }, `${this.t("exam.rubric_title")} ${r.item}: ${n(r.score)} / ${n(r.max)}`),
      el("ul", { class: "rubric__lines" }, ...r.lines.map((line) => el("li", {
        class: `rubric__line rubric__line--${line.passed ? "pass" : "fail"}`, dataset: { passed: String(line.passed) } },
        el("span", { "aria-hidden": "true", text: line.passed ? "✔ " : "✘ " }),
        el("strong", { text: en ? line.description_en : line.description_id }),
        ` (${n(line.score_milli)} / ${n(line.max_milli)})`,
        el("br"),
        el("small", { text: en ? line.detail_en : line.detail_id })))))));
  }

  async logout() {
    try {
      await api(this.url("/logout"), { method: "POST", body: {} });
    } catch {
      // going to the login page is what matters
    }
    this.leaving = true;
    window.location.assign(withLang(LOGIN_PATH));
  }

  // ----- keyboard -----------------------------------------------------------------------------------------

  onKey(event) {
    if (this.mode !== "working" || event.ctrlKey || event.altKey || event.metaKey) return;
    if ($("dlg-finish").open) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    const key = event.key;
    if (key === "ArrowLeft" || key === "PageUp") {
      event.preventDefault();
      this.go(this.current - 1);
      return;
    }
    if (key === "ArrowRight" || key === "PageDown") {
      event.preventDefault();
      this.go(this.current + 1);
      return;
    }
    if (key === "ArrowUp" || key === "ArrowDown") {
      // Move focus between the answer boxes (never changes the answer by itself).
      const i = this.optionButtons.indexOf(document.activeElement);
      if (i < 0 && this.optionButtons.length === 0) return;
      event.preventDefault();
      const next = i < 0 ? 0 : (i + (key === "ArrowDown" ? 1 : -1) + this.optionButtons.length) % this.optionButtons.length;
      this.optionButtons[next].focus();
      return;
    }
    if (key.length === 1 && !event.shiftKey) {
      const letter = key.toUpperCase();
      const button = this.optionButtons.find((b) => b.dataset.key === letter);
      if (button) {
        event.preventDefault();
        this.choose(JSON.parse(button.dataset.value));
        button.focus({ preventScroll: true });
      }
    }
  }
}

// ----- entry point -----------------------------------------------------------------------------------

if ($("login-form")) {
  initLogin();
} else if ($("view-exam")) {
  new ExamApp(readBoot()).init();
}
