// Shared helpers: boot data, translations, JSON API calls with the bilingual error shape, DOM building.
// No innerHTML anywhere: every piece of data reaches the page through textContent or attributes.

/** Read the JSON the server rendered into <script type="application/json" id="boot">. */
export function readBoot(id = "boot") {
  const node = document.getElementById(id);
  if (!node) return null;
  try {
    return JSON.parse(node.textContent || "{}");
  } catch {
    return null;
  }
}

/** Replace {name} placeholders (the same syntax as Python's str.format used by the templates). */
export function format(text, values) {
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole);
}

/** Build t(key, values) over a flat table; a missing key shows itself so gaps are visible. */
export function makeT(strings) {
  const table = strings || {};
  return (key, values) => format(Object.prototype.hasOwnProperty.call(table, key) ? table[key] : key, values);
}

/** An API failure. status 0 means the request never got an HTTP answer (offline, DNS, reset). */
export class ApiError extends Error {
  constructor({ status, code = null, id = null, en = null, field = null, problems = null, retryAfter = null }) {
    super(en || id || code || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.textId = id;
    this.textEn = en;
    this.field = field;
    this.problems = problems || [];
    this.retryAfter = retryAfter;
  }

  get network() {
    return this.status === 0;
  }

  /** Worth retrying the same request later: no answer, a server fault, or rate limiting. */
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  /** The server's message in the page language, or null when the server gave none. */
  text(lang) {
    if (lang === "en") return this.textEn || this.textId;
    return this.textId || this.textEn;
  }
}

/** A fallback message for an ApiError, from strings keyed common.* (or given explicitly). */
export function errorMessage(err, lang, msgs) {
  if (!(err instanceof ApiError)) return msgs.server || String(err);
  const own = err.text(lang);
  if (err.status === 429) {
    const rate = msgs.rate ? format(msgs.rate, { seconds: err.retryAfter || 10 }) : null;
    return own || rate || msgs.server;
  }
  if (own) return own;
  if (err.network) return msgs.network;
  return msgs.server;
}

function parseRetryAfter(value) {
  if (!value) return null;
  const n = Number.parseInt(value, 10);
  if (Number.isFinite(n)) return Math.max(0, n);
  const when = Date.parse(value);
  return Number.isFinite(when) ? Math.max(0, Math.round((when - Date.now()) / 1000)) : null;
}

/**
 * Call the JSON API. Resolves with the parsed body on 2xx; rejects with ApiError otherwise.
 * Mutating calls always send Content-Type: application/json (part of the server's CSRF defence).
 */
export async function api(url, { method = "GET", body, raw, headers: extra = {}, signal, timeoutMs = 15000 } = {}) {
  const headers = { Accept: "application/json", ...extra };
  const init = { method, headers, credentials: "same-origin", cache: "no-store", redirect: "follow" };
  if (method !== "GET" && method !== "HEAD") {
    if (raw !== undefined) {
      // A file (practical task): the bytes themselves, not JSON.
      headers["Content-Type"] = "application/octet-stream";
      init.body = raw;
    } else {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body === undefined ? {} : body);
    }
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
  init.signal = controller.signal;
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError({ status: 0, code: "network" });
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (response.ok) {
    // An API call answered by an HTML page after a redirect means the login was lost.
    if (data === null && response.redirected) throw new ApiError({ status: 401, code: "redirected" });
    if (data === null) throw new ApiError({ status: response.status >= 500 ? response.status : 502, code: "bad_body" });
    return data;
  }
  const e = (data && data.error) || {};
  throw new ApiError({
    status: response.status,
    code: e.code || null,
    id: e.id || null,
    en: e.en || null,
    field: e.field || null,
    problems: e.problems || null,
    retryAfter: parseRetryAfter(response.headers.get("Retry-After")),
  });
}

/**
 * Create an element. attrs: {class, text, hidden, dataset: {...}, on: {click: fn}, ...attributes}.
 * Children may be nodes, strings (as text) or null/false (skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (name === "hidden") node.hidden = Boolean(value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Set a node's text only when it changed (keeps screen readers and selection calm on refreshes). */
export function setText(node, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** Show a message in an alert node, or hide it when message is empty. */
export function showMessage(node, message) {
  if (!node) return;
  setText(node, message || "");
  node.hidden = !message;
}

/** hh:mm:ss, rounding up so 00:00:00 only shows when the time is really over. */
export function formatClock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}

/**
 * Format a score for people: decimal strings ("85.5") keep their exact digits; integers are grouped.
 * Indonesian uses "." for thousands and "," for decimals.
 */
export function formatNumber(value, lang) {
  if (value === null || value === undefined || value === "") return "—";
  const group = lang === "id" ? "." : ",";
  const decimal = lang === "id" ? "," : ".";
  let text = typeof value === "number" ? String(value) : String(value).trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n)) return text;
    text = String(n);
    if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  }
  const negative = text.startsWith("-");
  if (negative) text = text.slice(1);
  let [intPart, frac = ""] = text.split(".");
  frac = frac.replace(/0+$/, "");
  intPart = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return (negative ? "-" : "") + intPart + (frac ? decimal + frac : "");
}

/** Milli-points (integer) to a decimal string in points, without floating point. */
export function milliToDecimal(milli) {
  const n = Math.trunc(Number(milli));
  const sign = n < 0 ? "-" : "";
  const abs = Math.abs(n);
  const frac = String(abs % 1000).padStart(3, "0").replace(/0+$/, "");
  return sign + String(Math.floor(abs / 1000)) + (frac ? "." + frac : "");
}

/** A field of a score object: `name` as given, or `name_milli` converted to points. */
export function scoreField(obj, name) {
  if (!obj) return null;
  if (obj[name] !== undefined && obj[name] !== null) return obj[name];
  const milli = obj[`${name}_milli`];
  if (milli !== undefined && milli !== null) return milliToDecimal(milli);
  return null;
}

/** A random v4 UUID; crypto.randomUUID only exists on https/localhost, a lab LAN is often plain http. */
export function randomKey() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === "function") {
    try {
      return globalThis.crypto.randomUUID();
    } catch {
      // fall through to getRandomValues (insecure context)
    }
  }
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Keep ?lang= when moving between pages, only when the current URL carries it. */
export function withLang(path) {
  const lang = new URLSearchParams(window.location.search).get("lang");
  if (!lang) return path;
  return `${path}${path.includes("?") ? "&" : "?"}lang=${encodeURIComponent(lang)}`;
}

/** Promise-based sleep for back-off loops (not for tests). */
export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Wire a simple JSON login form: required fields, disabled button while sending, server errors shown in
 * #login-error in the page language, redirect to data-next on success.
 */
export function wireLoginForm(form, { fields, errorBox, statusBox, submitButton, onSuccess }) {
  const lang = form.dataset.lang || document.documentElement.lang || "id";
  const msgs = {
    network: form.dataset.msgNetwork,
    server: form.dataset.msgServer,
    rate: form.dataset.msgRate,
  };
  const buttonText = submitButton.textContent;
  let busy = false;

  function fail(message, focusField) {
    showMessage(errorBox, message);
    setText(statusBox, "");
    if (focusField) focusField.focus();
    else errorBox.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const body = {};
    for (const [name, input] of Object.entries(fields)) {
      const value = name === "password" || name === "pin" ? input.value : input.value.trim();
      input.removeAttribute("aria-invalid");
      if (!value) {
        input.setAttribute("aria-invalid", "true");
        fail(format(form.dataset.msgRequired || "{field}", { field: input.dataset.label || name }), input);
        return;
      }
      body[name] = value;
    }
    busy = true;
    submitButton.disabled = true;
    submitButton.textContent = form.dataset.msgSubmitting || buttonText;
    showMessage(errorBox, "");
    try {
      await api(form.dataset.api, { method: "POST", body });
      onSuccess();
    } catch (err) {
      const field = err instanceof ApiError && err.field && fields[err.field] ? fields[err.field] : null;
      if (field) field.setAttribute("aria-invalid", "true");
      fail(errorMessage(err, lang, msgs), null);
      busy = false;
      submitButton.disabled = false;
      submitButton.textContent = buttonText;
    }
  });
}
