// The answer journal: every change is written to localStorage before it is sent, sent strictly one at a
// time in sequence order, and leaves the journal only when the server acknowledged it (HTTP 200).
// A lost connection, a reload or a crash therefore never loses an answer made on this computer.

import { ApiError, randomKey } from "./common.js";

const FORMAT = 1;

function validEntry(e) {
  return e && typeof e === "object" && typeof e.item === "string" && Number.isSafeInteger(e.seq) && e.seq > 0
    && typeof e.key === "string" && e.key.length > 0 && e.key.length <= 64 && typeof e.flag === "boolean"
    && "value" in e;
}

/** The localStorage key of one candidate's journal for one exam. */
export function journalKey(examCode, candidateNumber) {
  return `ujian.journal.v${FORMAT}.${examCode}.${candidateNumber}`;
}

/**
 * Events (CustomEvent.detail):
 *   change   {}                       — anything the indicators show changed
 *   ack      {entry, response}        — HTTP 200 (also duplicate/stale acks)
 *   blocked  {reason, error}          — "paused" | "ended" | "auth" | "conflict"; sending stops until unblock()
 *   rejected {entry, error}           — a 4xx that can never succeed; the entry is dropped so others can go
 */
export class Journal extends EventTarget {
  constructor({ storageKey, lastSeq = 0, send, storage = globalThis.localStorage, minDelayMs = 500,
    maxDelayMs = 5000 }) {
    super();
    this.storageKey = storageKey;
    this.send = send;
    this.storage = storage;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.entries = this.load();
    this.lastSeq = 0;
    this.observeSeq(lastSeq);
    for (const e of this.entries) this.observeSeq(e.seq);
    this.inflightKey = null;
    this.failures = 0;
    this.failing = false; // the last attempt got no usable answer; retrying with back-off
    this.blocked = null;
    this.running = false;
    this.started = false;
    this.timer = null;
    this.persistent = true;
    this.waiters = [];
    this.conflictKey = null;
  }

  // ----- storage -------------------------------------------------------------------------------------

  load() {
    try {
      const raw = this.storage.getItem(this.storageKey);
      if (!raw) return [];
      const data = JSON.parse(raw);
      const entries = Array.isArray(data?.entries) ? data.entries.filter(validEntry) : [];
      return entries.sort((a, b) => a.seq - b.seq);
    } catch {
      return [];
    }
  }

  save() {
    try {
      if (this.entries.length === 0) this.storage.removeItem(this.storageKey);
      else this.storage.setItem(this.storageKey, JSON.stringify({ v: FORMAT, entries: this.entries }));
      this.persistent = true;
    } catch {
      // Storage full or disabled: keep going in memory and let the page warn the candidate.
      this.persistent = false;
    }
  }

  // ----- queries --------------------------------------------------------------------------------------

  get count() {
    return this.entries.length;
  }

  /** True while the item has a change the server has not acknowledged. */
  hasPending(item) {
    return this.entries.some((e) => e.item === item);
  }

  /** The newest journal entry for an item, or null. */
  latest(item) {
    let found = null;
    for (const e of this.entries) if (e.item === item && (!found || e.seq > found.seq)) found = e;
    return found;
  }

  /** "idle" | "saving" | "offline" | "blocked" — for the global indicator. */
  get state() {
    if (this.entries.length === 0) return "idle";
    if (this.blocked) return "blocked";
    if (this.failing) return "offline";
    return "saving";
  }

  /**
   * Server answers overlaid with the journal: what this computer knows the candidate chose.
   * answers: {itemId: {value, flag, seq}} as in GET /attempt.
   */
  overlay(answers) {
    const view = { ...(answers || {}) };
    for (const e of this.entries) {
      const known = view[e.item];
      if (!known || !Number.isFinite(known.seq) || e.seq >= known.seq) {
        view[e.item] = { value: e.value, flag: e.flag, seq: e.seq, pending: true };
      }
    }
    return view;
  }

  // ----- changes --------------------------------------------------------------------------------------

  /** Never hand out a sequence number at or below one the server or the journal already used. */
  observeSeq(seq) {
    if (Number.isSafeInteger(seq) && seq > this.lastSeq) this.lastSeq = seq;
  }

  /** Record the item's full new state (value + flag); persisted before anything is sent. */
  record(item, value, flag) {
    const entry = { item, value: value === undefined ? null : value, flag: Boolean(flag), seq: ++this.lastSeq,
      key: randomKey() };
    // Coalesce: an older unsent change to the same item is superseded (the in-flight one must finish).
    this.entries = this.entries.filter((e) => e.item !== item || e.key === this.inflightKey);
    this.entries.push(entry);
    this.save();
    this.emit("change");
    this.pump();
    return entry;
  }

  /** Allow sending (after the attempt is known to be running). */
  start() {
    this.started = true;
    this.pump();
  }

  /** Sending may go on after a pause ended or a resync. */
  unblock() {
    if (!this.blocked) return;
    this.blocked = null;
    this.emit("change");
    this.pump();
  }

  /** Try again now (the browser said it is online again). */
  nudge() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.pump();
  }

  /** Forget everything (the attempt is over); returns how many changes were never acknowledged. */
  clear() {
    const lost = this.entries.length;
    this.entries = [];
    this.inflightKey = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.blocked = "ended";
    this.save();
    this.emit("change");
    this.resolveWaiters();
    return lost;
  }

  /** Resolves once nothing more can happen without outside help: empty, blocked, or failing. */
  settle() {
    if (this.isSettled()) return Promise.resolve(this.state);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  isSettled() {
    return this.entries.length === 0 || this.blocked !== null || (this.failing && !this.running);
  }

  // ----- sending --------------------------------------------------------------------------------------

  async pump() {
    if (this.running || !this.started || this.blocked || this.timer) return;
    this.running = true;
    try {
      while (this.entries.length > 0 && !this.blocked) {
        const entry = this.entries[0];
        this.inflightKey = entry.key;
        this.emit("change");
        let response;
        try {
          response = await this.send(entry);
        } catch (error) {
          this.inflightKey = null;
          if (this.handleFailure(entry, error)) return;
          continue;
        }
        this.inflightKey = null;
        this.failures = 0;
        this.failing = false;
        if (response && Number.isSafeInteger(response.seq)) this.observeSeq(response.seq);
        const before = this.entries.length;
        this.entries = this.entries.filter((e) => e.key !== entry.key);
        if (this.entries.length !== before) this.save();
        this.emit("ack", { entry, response });
        this.emit("change");
      }
    } finally {
      this.running = false;
      this.emit("change");
      this.resolveWaiters();
    }
  }

  /** Returns true when the loop must stop (retry later or blocked), false to go on with the next entry. */
  handleFailure(entry, error) {
    const err = error instanceof ApiError ? error : new ApiError({ status: 0, code: "network" });
    if (err.transient) {
      this.failures += 1;
      this.failing = true;
      let wait = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** (this.failures - 1));
      if (err.status === 429 && err.retryAfter) wait = Math.max(wait, err.retryAfter * 1000);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return true;
    }
    this.failures = 0;
    this.failing = false;
    if (err.status === 401) return this.block("auth", err);
    if (err.status === 409) {
      if (err.code === "exam.paused") return this.block("paused", err);
      if (err.code === "exam.time_up" || err.code === "exam.submitted") return this.block("ended", err);
      // Any other conflict: let the page resync once; if the same entry conflicts again, drop it.
      if (this.conflictKey !== entry.key) {
        this.conflictKey = entry.key;
        return this.block("conflict", err);
      }
    }
    // 400/403/404/422 (or a repeated conflict): this entry can never be accepted; drop it so the rest of the journal can go on.
    this.entries = this.entries.filter((e) => e.key !== entry.key);
    this.save();
    this.emit("rejected", { entry, error: err });
    return false;
  }

  block(reason, error) {
    this.blocked = reason;
    this.emit("blocked", { reason, error });
    return true;
  }

  resolveWaiters() {
    if (!this.isSettled()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(this.state);
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
