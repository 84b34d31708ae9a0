// Practical file tasks (document/spreadsheet): download the starting file, upload the result.

import { el } from "./common.js";

export function renderPractical(item, box, ctx) {
  box.replaceChildren(el("p", { class: "alert alert--info", text: ctx.t("exam.practical_unsupported") }));
  return { refresh() {}, stop() {}, clearable: false };
}
