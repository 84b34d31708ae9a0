// Answer controls for the newer item kinds: short text, numbers, ordering, matching, typing, practical files.
// Each renderer fills the options box and calls ctx.save(value) with the item's whole new answer; the page
// then journals it exactly like a chosen option (saved only after the server acknowledged it).

import { el, setText } from "./common.js";
import { renderTyping } from "./typing.js";
import { renderPractical } from "./practical.js";

export const KINDS = new Set(["short_text", "numeric", "ordering", "matching", "typing", "document", "spreadsheet"]);
const TEXT_SAVE_AFTER_MS = 800;

/** True when a value of any kind counts as an answer (the nav grid's "answered"). */
export function answered(value) {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "string") return value.trim() !== "";
  if (typeof value === "object") {
    if ("typed" in value) return typeof value.typed === "string" && value.typed.length > 0;
    if ("sha256" in value) return true;
    return Object.values(value).some((v) => v !== null && v !== undefined);
  }
  return true;
}

/**
 * Render item ``item`` into ``box``. ctx: {t, value, save(value), active() → bool, upload, lang, msgs}.
 * Returns {refresh(value), stop(), clearable}.
 */
export function renderKind(item, box, ctx) {
  switch (item.kind) {
    case "short_text":
    case "numeric":
      return renderText(item, box, ctx);
    case "ordering":
      return renderOrdering(item, box, ctx);
    case "matching":
      return renderMatching(item, box, ctx);
    case "typing":
      return renderTyping(item, box, ctx);
    default:
      return renderPractical(item, box, ctx);
  }
}

// ----- short text and numbers ----------------------------------------------------------------------------

function renderText(item, box, ctx) {
  const numeric = item.kind === "numeric";
  const input = el("input", {
    type: "text", class: "input input--big answer-input", id: "answer-input",
    inputmode: numeric ? "decimal" : null, autocomplete: "off", spellcheck: "false",
    maxlength: numeric ? "40" : String(item.max_chars || 200),
    "aria-label": ctx.t(numeric ? "exam.numeric_label" : "exam.short_text_label"),
  });
  input.value = typeof ctx.value === "string" ? ctx.value : ctx.value === null || ctx.value === undefined ? "" : String(ctx.value);
  let timer = null;
  const save = () => {
    clearTimeout(timer);
    timer = null;
    const text = input.value.trim();
    ctx.save(text === "" ? null : text);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, TEXT_SAVE_AFTER_MS);
  });
  input.addEventListener("change", save);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      save();
    }
  });
  box.replaceChildren(el("label", { class: "answer-label", for: "answer-input",
    text: ctx.t(numeric ? "exam.numeric_label" : "exam.short_text_label") }), input);
  return {
    refresh(value) {
      // Never overwrite what the candidate is typing right now.
      if (document.activeElement === input || timer) return;
      const text = typeof value === "string" ? value : "";
      if (input.value.trim() !== text) input.value = text;
    },
    stop() {
      if (timer) save();
    },
    clearable: true,
  };
}

// ----- ordering ------------------------------------------------------------------------------------------

function renderOrdering(item, box, ctx) {
  const { t } = ctx;
  const texts = Object.fromEntries((item.options || []).map((o) => [o.id, o]));
  const authored = (item.options || []).map((o) => o.id);
  const valid = (v) => Array.isArray(v) && v.length === authored.length && authored.every((id) => v.includes(id));
  let order = valid(ctx.value) ? ctx.value.slice() : authored.slice();
  const list = el("ol", { class: "ordering", id: "ordering-list" });
  const confirm = el("button", { type: "button", class: "btn btn--secondary btn--big", id: "ordering-confirm" },
    t("exam.ordering_confirm"));
  const status = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });

  const move = (index, delta, focusDir) => {
    const to = index + delta;
    if (!ctx.active() || to < 0 || to >= order.length) return;
    [order[index], order[to]] = [order[to], order[index]];
    ctx.save(order.slice());
    draw();
    setText(status, t("exam.ordering_moved", { text: texts[order[to]]?.text || "", pos: to + 1 }));
    const button = list.querySelector(`li:nth-child(${to + 1}) button[data-dir="${focusDir}"]`)
      || list.querySelector(`li:nth-child(${to + 1}) button:not(:disabled)`);
    if (button) button.focus();
  };

  const draw = () => {
    list.replaceChildren(...order.map((id, index) => {
      const text = texts[id]?.text || id;
      return el("li", { class: "ordering__row", dataset: { option: id } },
        el("span", { class: "ordering__pos", "aria-hidden": "true", text: String(index + 1) }),
        el("span", { class: "ordering__text", text }),
        el("span", { class: "ordering__moves" },
          el("button", {
            type: "button", class: "btn btn--secondary ordering__btn", dataset: { dir: "up" },
            disabled: index === 0, "aria-label": t("exam.ordering_up", { text }),
            on: { click: () => move(index, -1, "up") },
          }, el("span", { "aria-hidden": "true", text: "▲" }), ` ${t("exam.ordering_up_short")}`),
          el("button", {
            type: "button", class: "btn btn--secondary ordering__btn", dataset: { dir: "down" },
            disabled: index === order.length - 1, "aria-label": t("exam.ordering_down", { text }),
            on: { click: () => move(index, 1, "down") },
          }, el("span", { "aria-hidden": "true", text: "▼" }), ` ${t("exam.ordering_down_short")}`)));
    }));
  };
  confirm.addEventListener("click", () => {
    if (ctx.active()) ctx.save(order.slice());
  });
  draw();
  box.replaceChildren(list, confirm, status);
  return {
    refresh(value) {
      confirm.hidden = valid(value);
      if (valid(value) && value.join("\u0000") !== order.join("\u0000")) {
        order = value.slice();
        draw();
      }
    },
    stop() {},
    clearable: true,
  };
}

// ----- matching ------------------------------------------------------------------------------------------

function renderMatching(item, box, ctx) {
  const { t } = ctx;
  const options = item.options || [];
  const selects = [];
  const current = () => {
    const value = {};
    for (const select of selects) if (select.value) value[select.dataset.left] = select.value;
    return Object.keys(value).length ? value : null;
  };
  const rows = (item.left || []).map((left, index) => {
    const id = `match-${index}`;
    const select = el("select", { class: "input match__select", id, dataset: { left: left.id } },
      el("option", { value: "", text: t("exam.matching_choose") }),
      ...options.map((o) => el("option", { value: o.id, text: `${o.label}. ${o.text}` })));
    select.addEventListener("change", () => {
      if (ctx.active()) ctx.save(current());
    });
    selects.push(select);
    return el("div", { class: "match__row" },
      el("label", { class: "match__left", for: id }, el("span", { class: "match__no", text: `${index + 1}.` }), ` ${left.text}`),
      select);
  });
  const set = (value) => {
    for (const select of selects) {
      const chosen = value && typeof value === "object" ? value[select.dataset.left] : null;
      select.value = chosen && options.some((o) => o.id === chosen) ? chosen : "";
    }
  };
  set(ctx.value);
  box.replaceChildren(el("div", { class: "match" }, ...rows));
  return {
    refresh(value) {
      if (selects.includes(document.activeElement) && JSON.stringify(current()) === JSON.stringify(value)) return;
      set(value);
    },
    stop() {},
    clearable: true,
  };
}
