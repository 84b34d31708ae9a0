// Committee console, "Hasil & koreksi": the standings per formation by the exam's rules, the marks the
// committee enters (interview, bonus …) and, through regrade.js, witnessed key corrections.
// Fetched only while the section is open and the tab visible; nodes are updated in place.

import { ApiError, api, el, errorMessage, setText, showMessage } from "./common.js";
import { Regrade } from "./regrade.js";
import { points, reconcile, setParts, srOnly } from "./tables.js";

const REFRESH_MS = 5000;
const OPEN_KEY = "ujian.panitia.results_open";
const BONUS = "bonus";
const $ = (id) => document.getElementById(id);

// ----- committee marks: the pasted lines ----------------------------------------------------------------

const MARK_LINE = /^([^;\t,]+?)\s*[;\t,]\s*(.*)$/;

/**
 * "P-001;85.5" lines (also tab- or comma-separated, as spreadsheets paste them); "-" withdraws a mark.
 * Returns {entries, lines: [{line, text}] (one per entry), error: {line, text} | null}.
 */
export function parseMarkLines(text) {
  const entries = [];
  const lines = [];
  const rows = String(text ?? "").split(/\r\n|\r|\n/);
  for (let i = 0; i < rows.length; i += 1) {
    const raw = rows[i].trim();
    if (!raw) continue;
    const match = MARK_LINE.exec(raw);
    const value = match ? match[2].trim() : "";
    if (!match || !match[1].trim() || !value) return { entries, lines, error: { line: i + 1, text: raw } };
    entries.push({ candidate: match[1].trim(), value: value === "-" ? null : value });
    lines.push({ line: i + 1, text: raw });
  }
  return { entries, lines, error: null };
}

/** The entry a server error names ("entries[3].value" → 3), or null. */
export function entryIndex(field) {
  const match = /^entries\[(\d+)\]/.exec(field || "");
  return match ? Number(match[1]) : null;
}

// ----- the section ---------------------------------------------------------------------------------------

export class Results {
  /** host: {t, lang, msgs, user, url(path), nameOf(number), openDialog(d), toast(msg), lost()} */
  constructor(host) {
    this.host = host;
    this.t = host.t;
    this.lang = host.lang;
    this.user = host.user || {};
    this.isAdmin = this.user.role === "admin";
    this.state = null;
    this.timer = null;
    this.loading = false;
    this.again = false;
    this.formations = new Map();
    this.markRows = new Map();
    this.busy = false;
    this.regrade = new Regrade(this);
  }

  init() {
    $("results-toggle").addEventListener("click", () => this.setOpen(!this.isOpen));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.refresh();
      else clearTimeout(this.timer);
    });
    $("marks-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitMarks();
    });
    $("marks-lines").addEventListener("input", () => $("marks-lines").removeAttribute("aria-invalid"));
    this.regrade.init();
    let remembered = false;
    try {
      remembered = window.localStorage.getItem(OPEN_KEY) === "1";
    } catch {
      // storage may be off; the section simply starts closed
    }
    if (remembered || window.location.hash === "#results-section") this.setOpen(true);
  }

  get isOpen() {
    return !$("results-body").hidden;
  }

  setOpen(open) {
    const toggle = $("results-toggle");
    $("results-body").hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    setText(toggle, open ? toggle.dataset.hide : toggle.dataset.show);
    try {
      window.localStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch {
      // not remembered, that is all
    }
    if (open) this.refresh();
    else clearTimeout(this.timer);
  }

  url(path) {
    return this.host.url(path);
  }

  message(err) {
    return errorMessage(err, this.lang, this.host.msgs);
  }

  /** Handle a lost login the way the console does; true when the page is leaving. */
  lost(err) {
    if (err instanceof ApiError && err.status === 401) {
      this.host.lost();
      return true;
    }
    return false;
  }

  // ----- fetching ----------------------------------------------------------------------------------------

  /** Fetch now (one request at a time; a refresh asked for meanwhile runs right after), then every 5 s. */
  async refresh() {
    if (!this.isOpen || document.visibilityState === "hidden") return;
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    clearTimeout(this.timer);
    try {
      this.state = await api(this.url("/results"), { timeoutMs: 15000 });
      this.fetchedAt = new Date();
      showMessage($("results-error"), "");
      this.render();
    } catch (err) {
      if (this.lost(err)) return;
      showMessage($("results-error"), this.t("panitia.results.failed", { message: this.message(err) }));
    } finally {
      this.loading = false;
    }
    if (this.again) {
      this.again = false;
      this.refresh();
    } else if (this.isOpen && document.visibilityState !== "hidden") {
      this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
    }
  }

  render() {
    const s = this.state;
    if (!s) return;
    this.renderState(s);
    this.renderStandings(s);
    this.renderMarks(s);
    this.regrade.render(s);
  }

  renderState(s) {
    const parts = [this.t(s.key_revealed ? "panitia.results.key_open" : "panitia.results.key_sealed")];
    parts.push(s.published_seq ? this.t("panitia.results.published", { seq: s.published_seq })
      : this.t("panitia.results.not_published"));
    const applied = s.corrections_applied || [];
    parts.push(applied.length ? this.t("panitia.results.corrections_applied", { list: applied.map((q) => `#${q}`).join(", ") })
      : this.t("panitia.results.no_corrections"));
    const node = $("results-state");
    setText(node, parts.join(" · "));
    node.dataset.keyRevealed = String(Boolean(s.key_revealed));
    // The time changes on every refresh: outside the live region, so screen readers are not told every 5 s.
    const time = (this.fetchedAt || new Date()).toLocaleTimeString(this.lang === "id" ? "id-ID" : "en-GB");
    setText($("results-updated"), this.t("panitia.updated", { time }));
  }

  // ----- names -------------------------------------------------------------------------------------------

  /** "Desa A · Sekretaris Desa" for a formation code "Desa A/Sekretaris Desa" (as the diff names them). */
  formationName(code) {
    for (const f of this.state?.standings || []) {
      if (`${f.village}/${f.position}` === code) return `${f.village} · ${f.position}`;
    }
    return code;
  }

  /** A component's title from the exam's rules (every component, exam-scored or entered). */
  componentTitle(code) {
    if (code === BONUS) return this.t("panitia.marks.bonus");
    const all = [...(this.state?.rules?.components || []), ...(this.state?.components || [])];
    const found = all.find((c) => c.code === code);
    return found?.title || code;
  }

  candidateCell(cell, number) {
    const name = this.host.nameOf(number);
    setParts(cell, el("span", { class: "cell-number" }, number), name ? el("span", { class: "cell-name-sub" }, name) : null);
  }

  // ----- standings ---------------------------------------------------------------------------------------

  renderStandings(s) {
    const list = s.standings || [];
    $("standings-empty").hidden = list.length > 0;
    reconcile($("standings"), this.formations, list, (f) => `${f.village}/${f.position}`,
      (f) => this.buildFormation(f), (node, f) => this.updateFormation(node, f));
  }

  buildFormation(f) {
    const code = `${f.village}/${f.position}`;
    const title = `${f.village} · ${f.position}`;
    const table = el("table", { class: "table standings__table" },
      el("caption", { class: "visually-hidden" }, this.t("panitia.results.caption", { formation: title })),
      el("thead", {}, el("tr")), el("tbody"));
    const node = el("div", { class: "formation", dataset: { formation: code } },
      el("h4", { class: "formation__title" }, title, " ", el("span", { class: "formation__count" })),
      el("div", { class: "table-wrap" }, table));
    node.rows = new Map();
    node.table = table;
    return node;
  }

  updateFormation(node, f) {
    const rows = f.rows || [];
    setText(node.querySelector(".formation__count"), this.t("panitia.results.formation_count", { n: rows.length }));
    // Columns follow the rules, so an absent candidate (who has no component values) keeps them aligned.
    const ruled = (this.state?.rules?.components || []).map((c) => c.code);
    const codes = ruled.length ? ruled : [...new Set(rows.flatMap((r) => (r.components || []).map((c) => c.code)))];
    const sig = codes.join("\u0001");
    if (node.dataset.columns !== sig) {
      node.dataset.columns = sig;
      this.buildHead(node.table.tHead.rows[0], codes);
      node.table.tBodies[0].replaceChildren();
      node.rows.clear();
    }
    node.codes = codes;
    reconcile(node.table.tBodies[0], node.rows, rows, (r) => r.candidate,
      () => this.buildStandingRow(codes.length), (tr, r) => this.updateStandingRow(tr, r, codes));
  }

  buildHead(tr, codes) {
    const th = (text, cls) => el("th", { scope: "col", class: cls }, text);
    tr.replaceChildren(
      th(this.t("panitia.results.col.rank"), "num"),
      th(this.t("panitia.results.col.candidate")),
      th(this.t("panitia.results.col.status")),
      ...codes.map((code) => el("th", { scope: "col", class: "num", dataset: { component: code } }, this.componentTitle(code))),
      th(this.t("panitia.results.col.bonus"), "num"),
      th(this.t("panitia.results.col.total"), "num"),
      th(this.t("panitia.results.col.notes")));
  }

  buildStandingRow(components) {
    const cells = [
      el("th", { scope: "row", class: "num cell-rank" }),
      el("td", { class: "cell-candidate" }),
      el("td", {}, el("span", { class: "badge" })),
    ];
    for (let i = 0; i < components; i += 1) cells.push(el("td", { class: "num cell-component" }));
    cells.push(el("td", { class: "num cell-bonus" }), el("td", { class: "num cell-total" }), el("td", { class: "cell-notes" }));
    return el("tr", {}, ...cells);
  }

  updateStandingRow(tr, r, codes) {
    tr.dataset.candidate = r.candidate;
    tr.dataset.status = r.status;
    tr.dataset.rank = r.rank ?? "";
    const cells = tr.children;
    setText(cells[0], r.rank ?? "—");
    this.candidateCell(cells[1], r.candidate);
    const badge = cells[2].firstChild;
    badge.dataset.status = r.status;
    setText(badge, this.t(`panitia.results.status.${r.status}`));
    const byCode = new Map((r.components || []).map((c) => [c.code, c]));
    codes.forEach((code, i) => this.componentCell(cells[3 + i], byCode.get(code)));
    setText(cells[3 + codes.length], r.bonus_milli ? points(r.bonus_milli, this.lang) : "—");
    setParts(cells[4 + codes.length], el("strong", {}, points(r.total_milli, this.lang)),
      r.capped ? el("span", { class: "chip chip--small" }, this.t("panitia.results.capped")) : null);
    this.notesCell(cells[5 + codes.length], r);
  }

  componentCell(td, c) {
    if (!c) {
      setParts(td, "—");
      return;
    }
    const failed = c.passed === false;
    td.dataset.passed = String(c.passed !== false);
    td.title = c.contribution_milli === null || c.contribution_milli === undefined ? ""
      : this.t("panitia.results.contribution", { value: points(c.contribution_milli, this.lang) });
    setParts(td, points(c.value_milli, this.lang),
      failed ? el("span", { class: "mark-fail", "aria-hidden": "true" }, " ✘") : null,
      failed ? srOnly(` (${this.t("panitia.results.below_min")})`) : null);
  }

  notesCell(td, r) {
    const chip = (text, kind) => el("span", { class: `chip chip--small chip--${kind}` }, text);
    setParts(td,
      r.retest ? chip(this.t("panitia.results.retest"), "retest")
        : r.tied ? chip(this.t("panitia.results.tied"), "tie") : null,
      r.decided_by ? el("span", { class: "decided" }, this.t("panitia.results.decided_by", { step: this.stepName(r.decided_by) })) : null);
  }

  stepName(step) {
    if (step.startsWith("component:")) {
      return this.t("panitia.results.step.component", { component: this.componentTitle(step.slice("component:".length)) });
    }
    const key = `panitia.results.step.${step.replace(":", "_")}`;
    const text = this.t(key);
    return text === key ? step : text;
  }

  // ----- committee marks -------------------------------------------------------------------------------

  /** Components the committee enters (with their maximum) plus the bonus when the rules allow one. */
  markChoices(s) {
    const out = (s.components || []).map((c) => ({ code: c.code, title: c.title || c.code, max: c.max_milli }));
    if (s.bonus_max_milli) out.push({ code: BONUS, title: this.t("panitia.marks.bonus"), max: s.bonus_max_milli });
    return out;
  }

  renderMarks(s) {
    const choices = this.markChoices(s);
    $("marks-none").hidden = choices.length > 0;
    $("marks-form").hidden = !(this.isAdmin && choices.length > 0);
    $("marks-current").hidden = choices.length === 0;
    this.syncComponentSelect(choices);
    this.renderMarkTable(s, choices);
  }

  syncComponentSelect(choices) {
    const select = $("marks-component");
    const sig = choices.map((c) => `${c.code}:${c.max}:${c.title}`).join("\u0001");
    if (select.dataset.sig === sig) return;
    select.dataset.sig = sig;
    const keep = select.value;
    select.replaceChildren(...choices.map((c) => el("option", { value: c.code },
      c.max ? this.t("panitia.marks.component_option", { title: c.title, max: points(c.max, this.lang) }) : c.title)));
    if (choices.some((c) => c.code === keep)) select.value = keep;
  }

  renderMarkTable(s, choices) {
    const head = $("marks-head");
    const sig = choices.map((c) => c.code).join("\u0001");
    if (head.dataset.sig !== sig) {
      head.dataset.sig = sig;
      head.replaceChildren(
        el("th", { scope: "col" }, this.t("panitia.col.number")),
        el("th", { scope: "col" }, this.t("panitia.col.name")),
        ...choices.map((c) => el("th", { scope: "col", class: "num" }, c.title)));
      $("marks-body").replaceChildren();
      this.markRows.clear();
    }
    const marks = s.marks || {};
    const numbers = Object.keys(marks).sort();
    setText($("marks-current-summary"), this.t("panitia.marks.current_count", { n: numbers.length }));
    reconcile($("marks-body"), this.markRows, numbers, (n) => n,
      (n) => el("tr", { dataset: { candidate: n } }, el("th", { scope: "row", class: "cell-number" }, n), el("td"),
        ...choices.map(() => el("td", { class: "num" }))),
      (tr, n) => {
        setText(tr.children[1], this.host.nameOf(n));
        choices.forEach((c, i) => setText(tr.children[2 + i], points(marks[n][c.code], this.lang)));
      });
  }

  async submitMarks() {
    if (this.busy) return;
    const lines = $("marks-lines");
    const reason = $("marks-reason");
    const parsed = parseMarkLines(lines.value);
    lines.removeAttribute("aria-invalid");
    reason.removeAttribute("aria-invalid");
    if (parsed.error) {
      this.markError(this.t("panitia.marks.bad_line", { line: parsed.error.line, text: parsed.error.text }), lines, parsed.error.line);
      return;
    }
    if (!parsed.entries.length) {
      this.markError(this.t("panitia.marks.empty"), lines);
      return;
    }
    if (!reason.value.trim()) {
      this.markError(this.t("panitia.marks.reason_required"), reason);
      return;
    }
    const body = { component: $("marks-component").value, entries: parsed.entries, reason: reason.value.trim() };
    await this.sending($("marks-submit"), async () => {
      try {
        const res = await api(this.url("/marks"), { method: "POST", body });
        showMessage($("marks-error"), "");
        lines.value = "";
        reason.value = "";
        this.host.toast(this.t("panitia.marks.saved", { n: (res.seqs || parsed.entries).length }));
        this.refresh();
      } catch (err) {
        if (this.lost(err)) return;
        this.serverMarkError(err, parsed);
      }
    });
  }

  /** The server names the entry ("Baris 3: …" / field entries[3].value): show which line of the box it was. */
  serverMarkError(err, parsed) {
    const index = entryIndex(err instanceof ApiError ? err.field : null);
    const where = index ? parsed.lines[index - 1] : null;
    let message = this.message(err);
    if (where) message += ` — ${this.t("panitia.marks.at_line", { line: where.line, text: where.text })}`;
    const field = err instanceof ApiError && err.field === "reason" ? $("marks-reason") : $("marks-lines");
    this.markError(message, field, where ? where.line : null);
  }

  markError(message, field, line = null) {
    showMessage($("marks-error"), message);
    field.setAttribute("aria-invalid", "true");
    field.focus();
    if (line && field.tagName === "TEXTAREA") selectLine(field, line);
  }

  /** Run a request with its button disabled and saying "working". */
  async sending(button, job) {
    this.busy = true;
    const label = button.textContent;
    button.disabled = true;
    setText(button, this.t("panitia.working"));
    try {
      await job();
    } finally {
      this.busy = false;
      button.disabled = false;
      setText(button, label);
    }
  }
}

/** Select line `n` (1-based) of a textarea so the mistake is in plain sight. */
function selectLine(textarea, n) {
  const rows = textarea.value.split("\n");
  const start = rows.slice(0, n - 1).reduce((sum, row) => sum + row.length + 1, 0);
  textarea.setSelectionRange(start, start + (rows[n - 1] || "").length);
}
