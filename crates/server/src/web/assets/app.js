// tenure's one script. Forms marked data-api send their fields as JSON to the API with the
// session's CSRF token, then go to data-next or reload; errors are written into the form's
// status region, which screen readers announce. Pages work without it for reading.
"use strict";

function csrfToken() {
  const holder = document.getElementById("csrf");
  return holder ? holder.dataset.token : "";
}

function fieldsOf(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled) continue;
    if (field.type === "checkbox") {
      body[field.name] = field.checked;
    } else if (field.dataset.type === "number") {
      if (field.value !== "") body[field.name] = Number(field.value);
    } else if (field.dataset.type === "list") {
      body[field.name] = field.value.split(/[,\n]/).map((item) => item.trim()).filter(Boolean);
    } else if (field.value !== "") {
      body[field.name] = field.value;
    }
  }
  return body;
}

async function messageOf(response) {
  try {
    const body = await response.json();
    return (body.error && body.error.message) || response.statusText;
  } catch (_) {
    return response.status + " " + response.statusText;
  }
}

async function sendJson(form, url, method, body) {
  const status = form.querySelector("[role=status]");
  if (status) status.textContent = "";
  const response = await fetch(url, {
    method: method,
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    if (status) status.textContent = await messageOf(response);
    return;
  }
  if (form.dataset.show) {
    // Something shown once (a new webhook's secret, an invitation's link): written out, not
    // reloaded away.
    const answer = await response.json();
    const value = answer[form.dataset.show];
    const prefix = form.dataset.showPrefix
      ? location.origin + form.dataset.showPrefix
      : form.dataset.showLabel || "";
    const shown = form.querySelector("output");
    shown.textContent = prefix + (typeof value === "string" ? value : JSON.stringify(value));
    shown.dataset.value = value;
  } else if (form.dataset.next) {
    location.assign(form.dataset.next);
  } else {
    location.reload();
  }
}

function sendForm(form) {
  return sendJson(form, form.dataset.api, form.dataset.method || "POST", fieldsOf(form));
}

// The warning rules: the form's fields become the policy's list of rules.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-policy]");
  if (!form) return;
  event.preventDefault();
  const f = form.elements;
  const rules = [];
  if (f.highest_risks.checked) rules.push({ rule: "highest_risks" });
  if (f.enters_high.checked) rules.push({ rule: "enters_high" });
  if (f.points.value !== "" && f.days.value !== "") {
    rules.push({ rule: "rises_by", points: Number(f.points.value) / 100, days: Number(f.days.value) });
  }
  if (f.leavers.value !== "") rules.push({ rule: "team_expected_leavers", leavers: Number(f.leavers.value) });
  if (f.worsens_ratio.value !== "") {
    rules.push({
      rule: "team_worsens",
      days: Number(f.worsens_days.value),
      ratio: Number(f.worsens_ratio.value),
      leavers: Number(f.worsens_leavers.value),
    });
  }
  const policy = { rules: rules, cooldown_days: Number(f.cooldown_days.value) };
  if (f.holdout_share.value !== "" && Number(f.holdout_share.value) > 0) {
    policy.holdout_share = Number(f.holdout_share.value) / 100;
  }
  // A share or a fixed number makes a capacity; neither, none (every trip warns).
  if (f.capacity_share.value !== "" || f.capacity_count.value !== "") {
    policy.capacity = {
      share_per_month: f.capacity_share.value === "" ? 0.0275 : Number(f.capacity_share.value) / 100,
      per_department: f.per_department.checked,
      reserve_for_rises: f.reserve.value === "" ? 0.2 : Number(f.reserve.value) / 100,
    };
    if (f.capacity_count.value !== "") policy.capacity.conversations_per_month = Number(f.capacity_count.value);
  }
  sendJson(form, form.dataset.policy, "PUT", policy);
});

// The risk bands: shares of the people by rank, or fixed probabilities (percent in the form).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-bands]");
  if (!form) return;
  event.preventDefault();
  const f = form.elements;
  const bands = f.scheme.value === "relative"
    ? { relative: { top: Number(f.top.value) / 100, next: Number(f.next.value) / 100 } }
    : { high: Number(f.high.value) / 100, medium: Number(f.medium.value) / 100 };
  sendJson(form, form.dataset.bands, "PUT", bands);
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-api]");
  if (!form) return;
  event.preventDefault();
  sendForm(form);
});

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-submit-on-change]")) sendForm(event.target.form);
});

// Uploads: the file goes up with a progress bar; then the import job is followed until it
// ends, and the page reloads to list the import (with its errors, if any).
function upload(form) {
  const status = form.querySelector("[role=status]");
  const bar = form.querySelector("progress");
  const data = new FormData();
  data.append("mapping", form.elements.mapping.value);
  data.append("file", form.elements.file.files[0]);
  const replace = form.elements.replace && form.elements.replace.checked;
  const request = new XMLHttpRequest();
  request.open("POST", form.dataset.upload + (replace ? "?replace=true" : ""));
  request.setRequestHeader("x-csrf-token", csrfToken());
  bar.hidden = false;
  bar.value = 0;
  status.textContent = "";
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
  };
  request.onload = () => {
    let body = {};
    try { body = JSON.parse(request.responseText); } catch (_) {}
    if (request.status !== 202) {
      status.textContent = (body.error && body.error.message) || request.statusText;
      return;
    }
    bar.value = 100;
    followJob(body.job_id, status);
  };
  request.onerror = () => { status.textContent = "the upload did not reach the server"; };
  request.send(data);
}

async function followJob(id, status) {
  for (;;) {
    const response = await fetch("/api/v1/jobs/" + id, { credentials: "same-origin" });
    const job = await response.json();
    if (job.status === "succeeded" || job.status === "failed") {
      location.reload();
      return;
    }
    status.textContent = job.stage || job.status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// The import wizard: a chosen file is read by the server, which proposes (or recalls) its
// mapping; the form shows it, the first rows and a dry run's problems. Every change to the form
// is checked again by the server, which answers with the mapping as TOML: the textarea under
// "edit as text" holds it, and is what the import sends. Typing in the textarea takes over.
let previewTurn = 0;

// `withChoices`: the form changed, send it; `fromText`: the textarea changed, so its text is
// the person's and is never replaced by the answer.
async function preview(form, withChoices, fromText = false) {
  const wizard = form.querySelector("#wizard");
  const status = form.querySelector("[role=status]");
  const text = form.elements.mapping;
  const file = form.elements.file.files[0];
  if (!file) return;
  const data = new FormData();
  data.append("file", file);
  if (withChoices) {
    data.append("mapping", text.value);
    data.append("choices", JSON.stringify(choicesOf(form)));
  } else if (text.dataset.edited === "1" && text.value.trim() !== "") {
    data.append("mapping", text.value);
  }
  const turn = ++previewTurn;
  status.textContent = wizard.dataset.reading;
  const response = await fetch(form.dataset.preview, {
    method: "POST",
    credentials: "same-origin",
    headers: { "x-csrf-token": csrfToken() },
    body: data,
  });
  if (turn !== previewTurn) return; // a later change has been sent since
  if (!response.ok) {
    wizard.hidden = true;
    status.textContent = await messageOf(response);
    return;
  }
  status.textContent = "";
  showPreview(form, await response.json(), fromText);
}

function choicesOf(form) {
  const value = (name) => form.querySelector(`[data-choice="${name}"]`).value.trim() || null;
  const choices = {};
  for (const name of ["id", "as_of", "as_of_format", "exit_date", "exit_date_format", "exit_kind",
                      "target", "positive", "duration", "event", "event_value"]) {
    choices[name] = value(name);
  }
  choices.voluntary = (value("voluntary") || "").split(",").map((v) => v.trim()).filter((v) => v);
  choices.columns = [...form.querySelectorAll("#wizard-columns tbody tr")].map((row) => ({
    name: row.dataset.column,
    usage: row.querySelector("select[data-usage]").value,
    kind: row.querySelector("select[data-kind]").value,
    date_format: row.dataset.dateFormat || null,
    label_en: row.querySelector("input[data-label=en]").value.trim() || null,
    label_zh: row.querySelector("input[data-label=zh]").value.trim() || null,
  }));
  return choices;
}

// Where the keyboard was in the column table (its row and field), to go back there after the
// table is drawn again with the server's answer.
function focusedField(form) {
  const active = document.activeElement;
  const row = active && active.closest("#wizard-columns tr[data-column]");
  if (!row || !form.contains(row)) return null;
  const field = active.matches("[data-usage]") ? "[data-usage]" : active.matches("[data-kind]") ? "[data-kind]" : `[data-label="${active.dataset.label}"]`;
  return { column: row.dataset.column, field };
}

function refocus(form, place) {
  if (!place) return;
  const row = [...form.querySelectorAll("#wizard-columns tr[data-column]")].find((r) => r.dataset.column === place.column);
  const field = row && row.querySelector(place.field);
  if (field) field.focus();
}

function showPreview(form, answer, fromText) {
  const place = focusedField(form);
  const wizard = form.querySelector("#wizard");
  const text = form.elements.mapping;
  wizard.hidden = false;
  wizard.dataset.source = answer.mapping_source;
  form.querySelector("#wizard-source").textContent = wizard.dataset["source" + answer.mapping_source[0].toUpperCase() + answer.mapping_source.slice(1)];
  if (!fromText && text.dataset.edited !== "1") text.value = answer.mapping_toml;
  const names = answer.columns.map((c) => c.name);
  for (const select of form.querySelectorAll("#wizard-core select[data-choice]")) {
    const none = select.options[0];
    select.replaceChildren(none, ...names.map((name) => new Option(name, name)));
    select.value = answer.choices[select.dataset.choice] || "";
  }
  for (const input of form.querySelectorAll("#wizard-core input[data-choice]")) {
    const chosen = answer.choices[input.dataset.choice];
    input.value = Array.isArray(chosen) ? chosen.join(", ") : chosen || "";
  }
  const profiles = Object.fromEntries(answer.columns.map((c) => [c.name, c]));
  const body = form.querySelector("#wizard-columns tbody");
  body.replaceChildren(...answer.choices.columns.map((choice) => {
    const profile = profiles[choice.name] || { examples: [], notes: [] };
    const row = document.createElement("tr");
    row.dataset.column = choice.name;
    if (choice.date_format) row.dataset.dateFormat = choice.date_format;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = choice.name;
    const examples = document.createElement("td");
    examples.textContent = profile.examples.join(", ");
    const usage = selectFrom("#usage-options", choice.usage, `${choice.name}: use`);
    usage.dataset.usage = "";
    usage.disabled = choice.usage === "core";
    const kind = selectFrom("#kind-options", choice.kind, `${choice.name}: kind`);
    kind.dataset.kind = "";
    kind.disabled = choice.usage !== "input";
    const notes = document.createElement("td");
    notes.textContent = profile.notes.join("; ");
    const labels = ["en", "zh"].map((language) => {
      const input = document.createElement("input");
      input.type = "text";
      input.dataset.label = language;
      input.value = choice["label_" + language] || "";
      input.setAttribute("aria-label", `${choice.name}: label (${language})`);
      return cell(input);
    });
    row.append(name, examples, cell(usage), cell(kind), ...labels, notes);
    return row;
  }));
  const sample = form.querySelector("#wizard-sample");
  sample.tHead.rows[0].replaceChildren(...names.map((n) => header(n)));
  sample.tBodies[0].replaceChildren(...answer.sample.map((r) => {
    const row = document.createElement("tr");
    row.dataset.line = r.line;
    for (const value of r.cells) {
      const td = document.createElement("td");
      td.textContent = value;
      row.append(td);
    }
    return row;
  }));
  const problems = form.querySelector("#wizard-errors");
  problems.hidden = answer.errors.length === 0;
  problems.querySelector("ul").replaceChildren(...answer.errors.map((e) => {
    const item = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = e;
    item.append(code);
    return item;
  }));
  const clean = form.querySelector("#wizard-clean");
  clean.hidden = answer.people === null;
  clean.textContent = answer.people === null ? "" : `${wizard.dataset.clean} ${answer.people} (${answer.shape})`;
  refocus(form, place);
}

function selectFrom(template, value, label) {
  const select = document.createElement("select");
  select.append(document.querySelector(template).content.cloneNode(true));
  select.value = value;
  select.setAttribute("aria-label", label);
  return select;
}

function cell(child) {
  const td = document.createElement("td");
  td.append(child);
  return td;
}

function header(text) {
  const th = document.createElement("th");
  th.scope = "col";
  th.textContent = text;
  return th;
}

document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-preview]");
  if (!form) return;
  if (event.target.name === "file") {
    form.elements.mapping.dataset.edited = "";
    preview(form, false);
  } else if (event.target.name === "mapping") {
    event.target.dataset.edited = "1";
    preview(form, false, true);
  } else if (event.target.closest("#wizard")) {
    form.elements.mapping.dataset.edited = "";
    preview(form, true);
  }
});

document.addEventListener("input", (event) => {
  if (event.target.matches("form[data-preview] textarea[name=mapping]")) event.target.dataset.edited = "1";
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-upload]");
  if (!form) return;
  event.preventDefault();
  upload(form);
});

// What-if: the changes go to the API; the answer (not saved anywhere) is written beside.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-what-if]");
  if (!form) return;
  event.preventDefault();
  const status = form.querySelector("[role=status]");
  const result = form.parentElement.querySelector("output");
  const fields = fieldsOf(form);
  const body = { set: {} };
  for (const [name, value] of Object.entries(fields)) {
    if (name !== "set_column" && name !== "set_value") body[name] = value;
  }
  if (fields.set_column && fields.set_value !== undefined) body.set[fields.set_column] = fields.set_value;
  status.textContent = "";
  const response = await fetch(form.dataset.whatIf, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    status.textContent = await messageOf(response);
    return;
  }
  const answer = await response.json();
  const percent = (p) => (p === null ? "—" : Math.round(p * 100) + "%");
  const lang = document.documentElement.lang;
  const words = lang === "zh-CN" ? ["当前风险", "调整后"] : ["Risk now", "With the changes"];
  result.innerHTML = "";
  const list = document.createElement("dl");
  list.className = "pairs";
  for (const [term, value] of [[words[0], percent(answer.before)], [words[1], percent(answer.after)]]) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
  const applied = document.createElement("ul");
  for (const change of answer.applied) {
    const item = document.createElement("li");
    item.textContent = change;
    applied.append(item);
  }
  result.append(list, applied);
  result.dataset.after = answer.after;
});
