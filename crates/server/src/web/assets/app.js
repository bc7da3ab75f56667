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
  if (f.enters_high.checked) rules.push({ rule: "enters_high" });
  if (f.points.value !== "" && f.days.value !== "") {
    rules.push({ rule: "rises_by", points: Number(f.points.value) / 100, days: Number(f.days.value) });
  }
  if (f.leavers.value !== "") rules.push({ rule: "team_expected_leavers", leavers: Number(f.leavers.value) });
  sendJson(form, form.dataset.policy, "PUT", { rules: rules, cooldown_days: Number(f.cooldown_days.value) });
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
