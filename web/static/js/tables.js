// Small DOM helpers shared by the console's results modules (results.js, regrade.js): in-place updates.

import { el, formatNumber, milliToDecimal } from "./common.js";

/** Milli-points as people read them ("85,5" in Indonesian), or "—". */
export function points(milli, lang) {
  return milli === null || milli === undefined ? "—" : formatNumber(milliToDecimal(milli), lang);
}

/** Replace a node's children only when what they say changed (keeps screen readers and selection calm). */
export function setParts(node, ...parts) {
  const flat = parts.flat().filter((p) => p !== null && p !== undefined && p !== false && p !== "");
  const sig = flat.map((p) => (p instanceof Node ? `<${p.className}>${p.textContent}` : String(p))).join("\u0001");
  if (node.dataset.sig === sig) return;
  node.dataset.sig = sig;
  node.replaceChildren(...flat);
}

/** Keyed in-place update of a parent's children: build missing nodes, update all, keep order, drop gone. */
export function reconcile(parent, nodes, list, keyOf, build, update) {
  const seen = new Set();
  let previous = null;
  for (const entry of list) {
    const key = keyOf(entry);
    seen.add(key);
    let node = nodes.get(key);
    if (!node) {
      node = build(entry);
      nodes.set(key, node);
    }
    update(node, entry);
    const expected = previous ? previous.nextSibling : parent.firstChild;
    if (expected !== node) parent.insertBefore(node, expected);
    previous = node;
  }
  for (const [key, node] of nodes) {
    if (!seen.has(key)) {
      node.remove();
      nodes.delete(key);
    }
  }
}

/** Text for screen readers only. */
export function srOnly(text) {
  return el("span", { class: "visually-hidden" }, text);
}
