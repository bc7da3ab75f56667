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

async function sendForm(form) {
  const status = form.querySelector("[role=status]");
  if (status) status.textContent = "";
  const response = await fetch(form.dataset.api, {
    method: form.dataset.method || "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
    body: JSON.stringify(fieldsOf(form)),
  });
  if (response.ok) {
    if (form.dataset.next) location.assign(form.dataset.next);
    else location.reload();
  } else if (status) {
    status.textContent = await messageOf(response);
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-api]");
  if (!form) return;
  event.preventDefault();
  sendForm(form);
});

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-submit-on-change]")) sendForm(event.target.form);
});
