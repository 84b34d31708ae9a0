// The typing test: the given text, a big text box, a per-item timer and every keystroke with its time.
// Pasting and dropping text are blocked; if one slips through anyway the answer says pasted: true.

import { el, formatClock, setText } from "./common.js";

const SAVE_AFTER_MS = 1500;
// The server takes at most 64 KiB for a typing answer; stop recording keystrokes well before that.
const MAX_VALUE_CHARS = 60000;
const MAX_KEY_CHARS = 32;

/** Per item, kept while the page lives so leaving the question and coming back keeps the clock. */
const runs = new Map();

function runFor(item, saved) {
  let run = runs.get(item.id);
  if (run) return run;
  const value = saved && typeof saved === "object" ? saved : null;
  const elapsed = value && Number.isInteger(value.elapsed_ms) ? value.elapsed_ms : 0;
  run = {
    typed: value && typeof value.typed === "string" ? value.typed : "",
    keystrokes: value && Array.isArray(value.keystrokes) ? value.keystrokes.slice() : [],
    pasted: Boolean(value && value.pasted),
    // Started before (on another page load): carry on from the recorded elapsed time.
    startedAt: value ? performance.now() - elapsed : null,
    size: 0,
    full: false,
  };
  run.size = JSON.stringify(run.keystrokes).length + run.typed.length * 2;
  runs.set(item.id, run);
  return run;
}

/**
 * Render a typing item into ``box``. ctx: {t, value, save(value), active() → bool}.
 * Returns {refresh(value), stop()}.
 */
export function renderTyping(item, box, ctx) {
  const { t } = ctx;
  const limitMs = (item.typing?.time_limit_s || 60) * 1000;
  const run = runFor(item, ctx.value);
  const elapsed = () => (run.startedAt === null ? 0 : Math.min(limitMs, Math.round(performance.now() - run.startedAt)));
  const value = () => ({ typed: run.typed, elapsed_ms: elapsed(), keystrokes: run.keystrokes, pasted: run.pasted });

  const timer = el("p", { class: "typing__timer", id: "typing-timer", role: "timer", "aria-live": "off" });
  const note = el("p", { class: "alert alert--warn", id: "typing-paste", role: "alert", hidden: !run.pasted },
    t("exam.typing_pasted"));
  const area = el("textarea", {
    class: "input typing__input", id: "typing-input", rows: "8", spellcheck: "false", autocomplete: "off",
    autocapitalize: "off", "aria-label": t("exam.typing_input_label"), "aria-describedby": "typing-source",
  });
  area.value = run.typed;
  const source = el("blockquote", { class: "typing__source prewrap", id: "typing-source", text: item.typing?.text || "" });
  box.replaceChildren(
    el("p", { class: "typing__label", text: t("exam.typing_source") }), source,
    el("div", { class: "typing__bar" }, timer, el("p", { class: "hint", text: t("exam.typing_rules") })),
    area, note);

  let saveTimer = null;
  let ticker = null;
  const finished = () => run.startedAt !== null && elapsed() >= limitMs;

  const save = () => {
    clearTimeout(saveTimer);
    saveTimer = null;
    if (run.startedAt === null) return;
    ctx.save(value());
  };
  const scheduleSave = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, SAVE_AFTER_MS);
  };
  const showClock = () => {
    const left = limitMs - elapsed();
    setText(timer, `${t("exam.typing_time_left")}: ${formatClock(left)}`);
    timer.dataset.state = run.startedAt === null ? "waiting" : finished() ? "done" : "running";
    if (finished()) {
      area.readOnly = true;
      if (ticker) {
        clearInterval(ticker);
        ticker = null;
        save();
        setText(timer, t("exam.typing_done"));
      } else {
        setText(timer, t("exam.typing_done"));
      }
    }
  };
  const startClock = () => {
    if (ticker || finished()) return;
    ticker = setInterval(showClock, 250);
  };

  area.addEventListener("keydown", (event) => {
    if (!ctx.active() || finished()) {
      if (!["Tab", "Shift"].includes(event.key)) event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      // Shortcuts that would paste or drag text in are blocked like the context menu's Paste.
      if (["v", "V", "Insert"].includes(event.key)) {
        event.preventDefault();
        markPasted();
        return;
      }
    } else if (event.shiftKey && event.key === "Insert") {
      event.preventDefault();
      markPasted();
      return;
    }
    if (event.key === "Tab" || event.key === "Shift" || event.key === "Control" || event.key === "Alt") return;
    if (run.startedAt === null) run.startedAt = performance.now();
    startClock();
    const entry = [Math.max(0, Math.round(performance.now() - run.startedAt)), String(event.key).slice(0, MAX_KEY_CHARS)];
    const cost = JSON.stringify(entry).length + 1;
    if (!run.full && run.size + cost < MAX_VALUE_CHARS) {
      run.keystrokes.push(entry);
      run.size += cost;
    } else {
      run.full = true;
    }
  });
  area.addEventListener("input", () => {
    if (finished()) {
      area.value = run.typed;
      return;
    }
    run.typed = area.value;
    if (run.startedAt === null) {
      run.startedAt = performance.now();
      startClock();
    }
    scheduleSave();
  });
  const markPasted = () => {
    run.pasted = true;
    note.hidden = false;
    if (run.startedAt === null) run.startedAt = performance.now();
    startClock();
    save();
  };
  for (const type of ["paste", "drop"]) {
    area.addEventListener(type, (event) => {
      event.preventDefault();
      markPasted();
    });
  }
  area.addEventListener("beforeinput", (event) => {
    if (event.inputType === "insertFromPaste" || event.inputType === "insertFromDrop" || event.inputType === "insertFromYank") {
      event.preventDefault();
      markPasted();
    }
  });
  area.addEventListener("contextmenu", (event) => event.preventDefault());
  area.addEventListener("blur", () => {
    if (saveTimer) save();
  });
  source.addEventListener("copy", (event) => event.preventDefault());

  showClock();
  if (run.startedAt !== null && !finished()) startClock();
  if (finished()) area.readOnly = true;

  return {
    refresh() {
      area.readOnly = finished() || !ctx.active();
    },
    stop() {
      if (saveTimer) save();
      if (ticker) clearInterval(ticker);
      ticker = null;
    },
    /** The clear button: the test cannot be restarted, so clearing is not offered. */
    clearable: false,
  };
}
