// Practical file tasks (document/spreadsheet): download the starting file, do the task in the office
// program on this PC, upload the result. The server checks the file first; a bad one can be sent again.

import { el, errorMessage } from "./common.js";

export function renderPractical(item, box, ctx) {
  const info = item.practical || {};
  const format = info.format || "docx";
  const formats = info.formats || [format]; // e.g. docx and odt: Word or LibreOffice files
  const status = el("p", { class: "practical__status", id: "practical-status", role: "status", "aria-live": "polite" });
  const current = el("p", { class: "practical__current", id: "practical-current" });
  const input = el("input", { type: "file", id: "practical-file", hidden: true,
    accept: formats.map((f) => `.${f}`).join(",") });
  const choose = el("button", { type: "button", class: "btn btn-primary btn-big", id: "practical-upload" },
    ctx.t("exam.practical_choose"));
  choose.addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file || !ctx.active()) return;
    choose.disabled = true;
    status.dataset.state = "busy";
    status.textContent = ctx.t("exam.practical_uploading", { name: file.name });
    try {
      const res = await ctx.upload(file);
      status.dataset.state = "ok";
      status.textContent = ctx.t("exam.practical_uploaded", { name: res.name });
      ctx.save({ sha256: res.sha256, name: res.name });
    } catch (err) {
      status.dataset.state = "error";
      status.textContent = errorMessage(err, ctx.lang, ctx.msgs);
    } finally {
      choose.disabled = false;
      input.value = "";
    }
  });
  const parts = [el("p", { class: "practical__task", text: ctx.t("exam.practical_task",
    { format: formats.map((f) => f.toUpperCase()).join(" / ") }) })];
  if (info.start_file) {
    parts.push(el("p", {}, el("a", { class: "btn btn-big", id: "practical-start", href: info.start_file.url,
      download: info.start_file.name }, ctx.t("exam.practical_download", { name: info.start_file.name }))));
  }
  parts.push(choose, input, status, current);
  box.replaceChildren(...parts);
  const show = (value) => {
    current.textContent = value && value.name
      ? ctx.t("exam.practical_current", { name: value.name })
      : ctx.t("exam.practical_none");
  };
  show(ctx.value);
  return { refresh: show, stop() {}, clearable: false };
}
