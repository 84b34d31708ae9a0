// Committee console, key corrections: the admin builds corrections, sees the dry-run diff, proposes; other
// members (admin, auditor, witness; never the proposer) approve or reject, each with a logged reason.

import { api, el, setText, showMessage } from "./common.js";
import { points, reconcile, setParts } from "./tables.js";

const KINDS = ["replace_key", "accept_option", "void_item", "change_rubric_line"];
const APPROVER_ROLES = new Set(["admin", "auditor", "witness"]);
const SLOW_MS = 120000;
const $ = (id) => document.getElementById(id);

// ----- reading what the admin typed ----------------------------------------------------------------------

/**
 * A new key as typed: JSON when it starts with [ { or ", true/false (benar/salah), "A,C" → ["A","C"],
 * anything else as text ("A", "12.5"). Returns {value} or {error: "need_value" | "bad_json"}.
 */
export function parseKey(text) {
  const s = String(text ?? "").trim();
  if (!s) return { error: "need_value" };
  if (/^[[{"]/.test(s)) {
    try {
      return { value: JSON.parse(s) };
    } catch {
      return { error: "bad_json" };
    }
  }
  const lower = s.toLowerCase();
  if (lower === "true" || lower === "benar") return { value: true };
  if (lower === "false" || lower === "salah") return { value: false };
  if (s.includes(",")) return { value: s.split(",").map((x) => x.trim()).filter(Boolean) };
  return { value: s };
}

/** One correction from a builder row's fields; {correction} or {error, field}. */
export function readCorrection(f) {
  const item = f.item.value.trim();
  const kind = f.kind.value;
  if (!item) return { error: "need_item", field: f.item };
  if (kind === "void_item") return { correction: { kind, item, value: f.mode.value } };
  if (kind === "accept_option") {
    const value = f.value.value.trim();
    return value ? { correction: { kind, item, value } } : { error: "need_value", field: f.value };
  }
  if (kind === "replace_key") {
    const key = parseKey(f.value.value);
    return key.error ? { error: key.error, field: f.value } : { correction: { kind, item, value: key.value } };
  }
  const line = f.line.value.trim();
  if (!line) return { error: "need_line", field: f.line };
  if (f.removeLine.checked) return { correction: { kind, item, line, value: { remove: true } } };
  const pts = f.points.value.trim();
  return pts ? { correction: { kind, item, line, value: { points: pts } } } : { error: "need_points", field: f.points };
}

// ----- corrections and diffs in words ---------------------------------------------------------------------

function keyText(value, t) {
  if (Array.isArray(value)) return value.map((v) => keyText(v, t)).join(", ");
  if (value === true || value === false) return t(value ? "panitia.regrade.true" : "panitia.regrade.false");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** "Kunci soal TIK-01 diganti menjadi A" and the like. */
export function correctionWords(c, t) {
  const item = c.item;
  if (c.kind === "void_item") {
    return t(`panitia.regrade.words.void_item.${c.value === "remove" ? "remove" : "full_marks"}`, { item });
  }
  if (c.kind === "accept_option") return t("panitia.regrade.words.accept_option", { item, value: keyText(c.value, t) });
  if (c.kind === "replace_key") return t("panitia.regrade.words.replace_key", { item, value: keyText(c.value, t) });
  if (c.kind === "change_rubric_line") {
    const v = c.value && typeof c.value === "object" ? c.value : {};
    const line = c.line ?? "";
    if (v.remove) return t("panitia.regrade.words.rubric_remove", { item, line });
    if (Object.keys(v).length === 1 && v.points !== undefined) {
      return t("panitia.regrade.words.rubric_points", { item, line, value: String(v.points) });
    }
    return t("panitia.regrade.words.rubric_other", { item, line, value: JSON.stringify(v) });
  }
  return `${c.kind} ${item} ${JSON.stringify(c.value)}`;
}

/** A "before → after" cell; marked when the value changes. */
function changeCell(before, after, show) {
  const a = show(before);
  const b = show(after);
  const changed = a !== b;
  return el("td", { class: `change${changed ? " is-changed" : ""}` }, changed ? `${a} → ${b}` : a);
}

/** The dry-run diff: a summary line, then one row per candidate whose score, rank or status changes. */
export function diffView(diff, r) {
  const t = r.t;
  const changes = diff?.changes || [];
  const summary = el("p", { class: "diff__summary" }, t("panitia.regrade.diff.summary", {
    items: (diff?.items_changed || []).join(", ") || "—",
    regraded: diff?.candidates_regraded ?? 0,
    changed: changes.length,
  }));
  if (!changes.length) return [summary, el("p", { class: "diff__none" }, t("panitia.regrade.diff.none"))];
  const formations = (diff.formations_affected || []).map((f) => r.formationName(f));
  const pts = (m) => points(m, r.lang);
  const rank = (n) => (n === null || n === undefined ? "—" : String(n));
  const status = (s) => t(`panitia.results.status.${s}`);
  const th = (key) => el("th", { scope: "col" }, t(key));
  const table = el("table", { class: "table diff__table" },
    el("caption", { class: "visually-hidden" }, t("panitia.regrade.diff.caption")),
    el("thead", {}, el("tr", {}, th("panitia.regrade.diff.candidate"), th("panitia.regrade.diff.formation"),
      th("panitia.regrade.diff.exam"), th("panitia.regrade.diff.total"), th("panitia.regrade.diff.rank"),
      th("panitia.regrade.diff.status"))),
    el("tbody", {}, changes.map((c) => {
      const name = r.host.nameOf(c.candidate);
      return el("tr", { dataset: { candidate: c.candidate } },
        el("th", { scope: "row" }, el("span", { class: "cell-number" }, c.candidate),
          name ? el("span", { class: "cell-name-sub" }, name) : null),
        el("td", {}, r.formationName(c.formation)),
        changeCell(c.exam_before_milli, c.exam_after_milli, pts),
        changeCell(c.total_before_milli, c.total_after_milli, pts),
        changeCell(c.rank_before, c.rank_after, rank),
        changeCell(c.status_before, c.status_after, status));
    })));
  return [summary, el("p", { class: "diff__formations" }, t("panitia.regrade.diff.formations", { list: formations.join("; ") })),
    el("div", { class: "table-wrap" }, table)];
}

// ----- the builder and the proposals -----------------------------------------------------------------------

export class Regrade {
  constructor(results) {
    this.r = results;
    this.t = results.t;
    this.user = results.user;
    this.isAdmin = results.isAdmin;
    this.rows = [];
    this.serial = 0;
    this.previewed = null;
    this.cards = new Map();
    this.state = null;
  }

  init() {
    if (!this.isAdmin) return;
    this.addRow();
    $("regrade-add").addEventListener("click", () => this.addRow().fields.kind.focus());
    $("regrade-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.preview();
    });
    $("regrade-form").addEventListener("input", () => this.edited());
    $("regrade-form").addEventListener("change", () => this.edited());
    $("regrade-propose").addEventListener("click", () => this.propose());
  }

  render(s) {
    this.state = s;
    setText($("regrade-explain"), this.t("panitia.regrade.explain", { n: s.required_approvals ?? "—" }));
    $("regrade-locked").hidden = Boolean(s.key_revealed);
    $("regrade-form").hidden = !(this.isAdmin && s.key_revealed);
    this.syncItemList(s.items || []);
    this.renderProposals(s);
  }

  /** Item codes (with their kind and key in force) offered as suggestions in every correction's item field. */
  syncItemList(items) {
    let list = $("regrade-items");
    if (!list) {
      list = el("datalist", { id: "regrade-items" });
      $("regrade-form").append(list);
    }
    const sig = items.map((i) => `${i.code}:${JSON.stringify(i.key)}`).join("\u0001");
    if (list.dataset.sig === sig) return;
    list.dataset.sig = sig;
    list.replaceChildren(...items.map((i) => el("option", { value: i.code },
      `${i.kind}${i.key !== null && i.key !== undefined ? ` · ${JSON.stringify(i.key)}` : ""}`)));
  }

  // ----- correction rows -------------------------------------------------------------------------------

  addRow() {
    this.serial += 1;
    const id = (name) => `corr-${this.serial}-${name}`;
    const field = (name, label, control, forKinds, hint = false) => el("div", { class: "field", dataset: { for: forKinds.join(" ") } },
      el("label", { for: id(name) }, this.t(label)), control,
      hint ? el("p", { class: "field__hint", id: id(`${name}-hint`) }) : null);
    const f = {
      kind: el("select", { id: id("kind"), class: "input", dataset: { role: "kind" } },
        KINDS.map((k) => el("option", { value: k }, this.t(`panitia.regrade.kind.${k}`)))),
      item: el("input", { id: id("item"), class: "input input--code", type: "text", autocomplete: "off", spellcheck: "false",
        dataset: { role: "item" }, placeholder: "TIK-01", list: "regrade-items" }),
      mode: el("select", { id: id("mode"), class: "input", dataset: { role: "mode" } },
        ["full_marks", "remove"].map((m) => el("option", { value: m }, this.t(`panitia.regrade.mode.${m}`)))),
      value: el("input", { id: id("value"), class: "input input--code", type: "text", autocomplete: "off",
        spellcheck: "false", dataset: { role: "value" }, "aria-describedby": `${id("value-hint")} ${id("sent")}` }),
      line: el("input", { id: id("line"), class: "input input--code", type: "text", autocomplete: "off", spellcheck: "false",
        dataset: { role: "line" } }),
      points: el("input", { id: id("points"), class: "input", type: "text", inputmode: "decimal", autocomplete: "off",
        dataset: { role: "points" }, placeholder: "2" }),
      removeLine: el("input", { id: id("remove-line"), type: "checkbox", dataset: { role: "remove-line" } }),
    };
    const sent = el("p", { class: "field__hint sent-as", id: id("sent"), dataset: { for: "replace_key" } });
    const title = el("legend", {});
    const remove = el("button", { type: "button", class: "btn btn--small btn--ghost", dataset: { role: "remove" } });
    const row = {
      fields: f, title, remove, sent,
      node: el("fieldset", { class: "correction" }, title,
        field("kind", "panitia.regrade.kind", f.kind, KINDS),
        field("item", "panitia.regrade.item", f.item, KINDS),
        field("mode", "panitia.regrade.mode", f.mode, ["void_item"]),
        field("value", "panitia.regrade.key", f.value, ["accept_option", "replace_key"], true),
        sent,
        field("line", "panitia.regrade.line", f.line, ["change_rubric_line"]),
        field("points", "panitia.regrade.points", f.points, ["change_rubric_line"]),
        el("div", { class: "field field--check", dataset: { for: "change_rubric_line" } }, f.removeLine,
          el("label", { for: id("remove-line") }, this.t("panitia.regrade.remove_line"))),
        el("p", { class: "actions" }, remove)),
    };
    remove.addEventListener("click", () => this.removeRow(row));
    f.kind.addEventListener("change", () => this.syncRow(row));
    f.value.addEventListener("input", () => this.syncSent(row));
    f.removeLine.addEventListener("change", () => {
      f.points.disabled = f.removeLine.checked;
    });
    this.rows.push(row);
    $("corrections").append(row.node);
    this.syncRow(row);
    this.numberRows();
    return row;
  }

  removeRow(row) {
    if (this.rows.length <= 1) return;
    this.rows = this.rows.filter((x) => x !== row);
    row.node.remove();
    this.numberRows();
    this.edited();
    this.rows[this.rows.length - 1].fields.kind.focus();
  }

  numberRows() {
    this.rows.forEach((row, i) => {
      setText(row.title, this.t("panitia.regrade.correction_n", { n: i + 1 }));
      setText(row.remove, this.t("panitia.regrade.remove"));
      row.remove.setAttribute("aria-label", this.t("panitia.regrade.remove_n", { n: i + 1 }));
      row.remove.hidden = this.rows.length <= 1;
    });
  }

  /** Show the fields the chosen kind needs, with the right label and hint for the value. */
  syncRow(row) {
    const kind = row.fields.kind.value;
    for (const node of row.node.querySelectorAll("[data-for]")) {
      node.hidden = !node.dataset.for.split(" ").includes(kind);
    }
    const valueField = row.fields.value.closest(".field");
    setText(valueField.querySelector("label"), this.t(kind === "accept_option" ? "panitia.regrade.option" : "panitia.regrade.key"));
    setText(valueField.querySelector(".field__hint"),
      this.t(kind === "accept_option" ? "panitia.regrade.option_hint" : "panitia.regrade.key_hint"));
    row.fields.value.placeholder = kind === "accept_option" ? "B" : "A";
    this.syncSent(row);
  }

  /** For a new key, say exactly what will be sent ("A" or ["A","C"]), so nothing is guessed silently. */
  syncSent(row) {
    const key = parseKey(row.fields.value.value);
    const text = key.error === "bad_json" ? this.t("panitia.regrade.bad_json_short")
      : key.error ? "" : this.t("panitia.regrade.sent_as", { json: JSON.stringify(key.value) });
    setText(row.sent, text);
  }

  /** Every row's correction, or the first problem (with the field to focus). */
  collect() {
    const corrections = [];
    for (let i = 0; i < this.rows.length; i += 1) {
      const got = readCorrection(this.rows[i].fields);
      if (got.error) return { error: this.t(`panitia.regrade.${got.error}`, { n: i + 1 }), field: got.field };
      corrections.push(got.correction);
    }
    return { corrections };
  }

  /** Anything typed after a preview makes it stale: preview again before proposing. */
  edited() {
    for (const row of this.rows) row.fields.points.disabled = row.fields.removeLine.checked;
    if (this.previewed === null) return;
    const now = this.collect();
    if (now.corrections && JSON.stringify(now.corrections) === this.previewed) return;
    this.previewed = null;
    $("regrade-propose").disabled = true;
    const box = $("regrade-preview-result");
    box.dataset.stale = "true";
    box.prepend(el("p", { class: "alert alert--warn diff__stale" }, this.t("panitia.regrade.stale_preview")));
  }

  fail(message, field) {
    showMessage($("regrade-error"), message);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.addEventListener("input", () => field.removeAttribute("aria-invalid"), { once: true });
      field.focus();
    } else {
      $("regrade-error").focus();
    }
  }

  async preview() {
    if (this.r.busy) return;
    const got = this.collect();
    if (got.error) {
      this.fail(got.error, got.field);
      return;
    }
    showMessage($("regrade-error"), "");
    const box = $("regrade-preview-result");
    await this.r.sending($("regrade-preview"), async () => {
      try {
        const res = await api(this.r.url("/regrade/preview"), { method: "POST", body: { corrections: got.corrections },
          timeoutMs: SLOW_MS });
        this.previewed = JSON.stringify(got.corrections);
        box.dataset.stale = "false";
        box.replaceChildren(el("h5", {}, this.t("panitia.regrade.preview_title")), ...diffView(res.diff, this.r));
        box.hidden = false;
        box.focus();
      } catch (err) {
        if (this.r.lost(err)) return;
        this.fail(this.r.message(err), null);
      }
    });
    $("regrade-propose").disabled = this.previewed === null;
  }

  propose() {
    const got = this.collect();
    if (got.error || JSON.stringify(got.corrections) !== this.previewed) return;
    this.r.host.openDialog({
      action: "propose",
      target: "",
      path: "/regrade/propose",
      body: { corrections: got.corrections },
      title: this.t("panitia.regrade.dialog.propose"),
      explain: this.t("panitia.regrade.explain.propose", { n: this.state?.required_approvals ?? "—" }),
      confirm: this.t("panitia.regrade.propose"),
      timeoutMs: SLOW_MS, // the server grades every attempt twice for the dry run
      done: (res) => this.t("panitia.regrade.proposed", { seq: res.seq }),
      after: () => {
        this.reset();
        this.r.refresh();
      },
    });
  }

  reset() {
    for (const row of this.rows) row.node.remove();
    this.rows = [];
    this.previewed = null;
    this.addRow();
    $("regrade-propose").disabled = true;
    const box = $("regrade-preview-result");
    box.replaceChildren();
    box.hidden = true;
    showMessage($("regrade-error"), "");
  }

  // ----- proposals ---------------------------------------------------------------------------------------

  renderProposals(s) {
    const list = s.proposals || [];
    $("proposals-empty").hidden = list.length > 0;
    reconcile($("proposals"), this.cards, list, (p) => p.seq, (p) => this.buildCard(p), (card, p) => this.updateCard(card, p));
  }

  /** What never changes in a proposal (corrections, reason, diff) is built once; the rest is updated. */
  buildCard(p) {
    const t = this.t;
    const changes = p.diff?.changes?.length ?? 0;
    const card = el("article", { class: "proposal", dataset: { seq: String(p.seq) }, "aria-labelledby": `proposal-${p.seq}` },
      el("header", { class: "proposal__head" },
        el("h5", { id: `proposal-${p.seq}` }, t("panitia.regrade.proposal", { seq: p.seq })),
        el("span", { class: "badge proposal__status" })),
      el("p", { class: "proposal__by" }, t("panitia.regrade.by", { by: p.by, reason: p.reason })),
      el("ul", { class: "proposal__corrections" }, (p.corrections || []).map((c) => el("li", {}, correctionWords(c, t)))),
      el("p", { class: "proposal__approvals" }),
      el("ul", { class: "proposal__approvers" }),
      el("p", { class: "proposal__decision" }),
      el("details", { class: "proposal__diff results__details" },
        el("summary", {}, t("panitia.regrade.diff.show", { n: changes })), el("div", { class: "diff" })),
      el("div", { class: "actions proposal__actions" }),
      el("p", { class: "proposal__rerun" },
        el("button", { type: "button", class: "btn btn--small", on: { click: (e) => this.rerun(p.seq, card, e.currentTarget) } },
          t("panitia.regrade.rerun"))),
      el("div", { class: "diff proposal__fresh", tabindex: "-1", hidden: true }));
    // A diff can list thousands of candidates: build its table the first time someone opens it.
    const details = card.querySelector(".proposal__diff");
    details.addEventListener("toggle", () => {
      const box = details.querySelector(".diff");
      if (details.open && !box.childElementCount) box.append(...diffView(p.diff, this.r));
    });
    return card;
  }

  updateCard(card, p) {
    const t = this.t;
    card.dataset.status = p.status;
    const stale = p.status === "open" && Boolean(this.state?.spec_hash) && p.diff?.old_spec_hash !== this.state.spec_hash;
    card.dataset.stale = String(stale);
    const badge = card.querySelector(".proposal__status");
    badge.dataset.status = p.status;
    setText(badge, t(`panitia.regrade.status.${p.status}`));
    const approvals = p.approvals || [];
    setText(card.querySelector(".proposal__approvals"),
      t("panitia.regrade.approvals", { n: approvals.length, required: p.required }));
    setParts(card.querySelector(".proposal__approvers"),
      approvals.map((a) => el("li", {}, t("panitia.regrade.approved_by", { by: a.by, reason: a.reason }))));
    setText(card.querySelector(".proposal__decision"), this.decisionText(p, stale));
    this.syncActions(card.querySelector(".proposal__actions"), p, stale);
    card.querySelector(".proposal__rerun").hidden = !(p.status === "open" && !stale && APPROVER_ROLES.has(this.user.role));
  }

  /** The proposal's dry run again, against today's marks: its logged diff is frozen when proposed. */
  async rerun(seq, card, button) {
    const box = card.querySelector(".proposal__fresh");
    await this.r.sending(button, async () => {
      try {
        const res = await api(this.r.url(`/regrade/${seq}/preview`), { method: "POST", body: {}, timeoutMs: SLOW_MS });
        box.replaceChildren(el("h6", {}, this.t("panitia.regrade.rerun_title")), ...diffView(res.diff, this.r));
        box.hidden = false;
        box.focus();
      } catch (err) {
        if (this.r.lost(err)) return;
        box.replaceChildren(el("p", { class: "alert alert--error", role: "alert" }, this.r.message(err)));
        box.hidden = false;
      }
    });
  }

  decisionText(p, stale) {
    const t = this.t;
    if (p.status === "applied") return t("panitia.regrade.applied_at", { seq: p.applied_seq });
    if (p.status === "rejected" && p.rejected) return t("panitia.regrade.rejected_by", p.rejected);
    if (stale) return t("panitia.regrade.stale");
    // The diff was frozen when proposed; marks entered since can move totals and ranks it shows.
    const later = p.status === "open" && p.marks_since > 0 ? ` ${t("panitia.regrade.marks_since", { n: p.marks_since })}` : "";
    if (p.by === this.user.username) return t("panitia.regrade.you_proposed") + later;
    if (later) return later.trim();
    if ((p.approvals || []).some((a) => a.by === this.user.username)) return t("panitia.regrade.you_approved");
    return "";
  }

  /** Approve (not when stale) and reject, for approver roles who did not propose it and have not approved. */
  allowed(p, stale) {
    const me = this.user.username;
    if (p.status !== "open" || !APPROVER_ROLES.has(this.user.role) || p.by === me) return [];
    if ((p.approvals || []).some((a) => a.by === me)) return [];
    return stale ? ["reject"] : ["approve", "reject"];
  }

  syncActions(box, p, stale) {
    const actions = this.allowed(p, stale);
    if ([...box.children].map((b) => b.dataset.action).join() === actions.join()) return;
    box.replaceChildren(...actions.map((action) => el("button", {
      type: "button",
      class: `btn btn--small ${action === "approve" ? "btn--primary" : "btn--danger"}`,
      dataset: { action, seq: String(p.seq) },
      "aria-label": this.t(`panitia.regrade.dialog.${action}`, { seq: p.seq }),
      on: { click: () => this.decide(action, p.seq) },
    }, this.t(`panitia.regrade.${action}`))));
  }

  decide(action, seq) {
    this.r.host.openDialog({
      action,
      target: `#${seq}`,
      path: `/regrade/${seq}/${action}`,
      title: this.t(`panitia.regrade.dialog.${action}`, { seq }),
      explain: this.t(`panitia.regrade.explain.${action}`),
      confirm: this.t(`panitia.regrade.${action}`),
      danger: action === "reject",
      timeoutMs: SLOW_MS, // the approval that applies regrades every attempt
      done: (res) => this.doneText(action, res),
      after: () => this.r.refresh(),
    });
  }

  doneText(action, res) {
    if (action === "reject") return this.t("panitia.regrade.rejected_done");
    if (res?.applied) return this.t("panitia.regrade.applied_done", { n: res.regraded ?? 0 });
    return this.t("panitia.regrade.approved_wait", { n: res?.approvals ?? "?", required: res?.required ?? "?" });
  }
}
