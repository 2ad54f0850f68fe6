// Herald's console: every change goes to the JSON API with the session's CSRF token.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
const statusLine = document.getElementById("status");

function say(text, failed) {
  if (!statusLine) return;
  statusLine.textContent = text;
  statusLine.className = failed ? "error" : "ok";
}

// The envelope's first message, or the HTTP status.
async function answerOf(response) {
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  const message = body && body.messages && body.messages[0] ? body.messages[0].message : response.statusText;
  return { ok: response.ok, status: response.status, body, message };
}

async function api(method, url, body, type) {
  const headers = { "X-CSRF-Token": csrf() };
  if (type) headers["Content-Type"] = type;
  return answerOf(await fetch(url, { method, headers, body, credentials: "same-origin" }));
}

// {name} in a URL is the value of the form's field of that name.
function fill(template, form) {
  return template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(form.elements[name].value.trim()));
}

// A secret the server shows once (a license key, a token): shown with a copy button, and
// the page reloads only when the vendor says so.
function showSecret(form, secret) {
  const box = document.createElement("p");
  box.className = "secret";
  box.setAttribute("role", "alert");
  const code = document.createElement("code");
  code.id = "new-secret";
  code.textContent = secret;
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = "Copy";
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(secret); copy.textContent = "Copied"; } catch (_) { copy.textContent = "Select it and copy"; }
  });
  const done = document.createElement("button");
  done.type = "button";
  done.textContent = "Done";
  done.addEventListener("click", () => location.reload());
  box.append(form.dataset.secretLabel + " (shown only now): ", code, " ", copy, " ", done);
  form.replaceWith(box);
  say("Created. Keep the " + form.dataset.secretLabel.toLowerCase() + " now: it is not shown again.");
}

// Forms that call the API: data-api is the method, data-url the address, data-next where to go after.
document.querySelectorAll("form[data-api]").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = {};
    for (const element of form.elements) {
      if (!element.name || element.hasAttribute("data-path")) continue;
      if (element.type === "checkbox" || element.type === "radio") {
        if (!element.checked) continue;
        fields[element.name] = fields[element.name] ? fields[element.name] + "," + element.value : element.value;
      } else if (element.hasAttribute("data-bool")) {
        fields[element.name] = element.value === "true";
      } else if (element.value.trim() !== "" || element.hasAttribute("data-clearable")) {
        // An empty clearable field is sent empty, which clears what it sets (an alias).
        fields[element.name] = element.value.trim();
      }
    }
    say("Saving…");
    const answer = await api(form.dataset.api, fill(form.dataset.url, form), JSON.stringify(fields), "application/json");
    if (!answer.ok) return say(answer.message, true);
    if (form.dataset.secret) return showSecret(form, answer.body.response[form.dataset.secret]);
    if (form.dataset.next) location.href = fill(form.dataset.next, form); else location.reload();
  });
});

// Buttons that call the API, after a confirmation when they carry one, or with the field a
// prompt asks for (data-prompt, data-prompt-field).
document.querySelectorAll("button[data-api-click]").forEach((button) => {
  button.addEventListener("click", async () => {
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    let form = button.dataset.body;
    if (button.dataset.prompt) {
      const value = prompt(button.dataset.prompt);
      if (value === null || value.trim() === "") return;
      form = encodeURIComponent(button.dataset.promptField) + "=" + encodeURIComponent(value.trim());
    }
    say("Working…");
    const answer = await api(button.dataset.apiClick, button.dataset.url, form || null, form ? "application/x-www-form-urlencoded" : null);
    if (!answer.ok) return say(answer.message, true);
    location.reload();
  });
});

// Upload with a real progress bar; a file can be dropped on the label.
const upload = document.getElementById("upload-form");
if (upload) {
  const file = document.getElementById("upload-file");
  const drop = document.getElementById("drop-zone");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    file.files = event.dataTransfer.files;
    drop.textContent = file.files[0] ? file.files[0].name : drop.textContent;
  });
  upload.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!file.files[0]) return say("Choose a file first.", true);
    const channel = upload.elements.channel.value;
    const data = new FormData();
    const version = upload.elements.version.value.trim();
    if (version) data.append("version", version);
    data.append("file", file.files[0]);
    const request = new XMLHttpRequest();
    const bar = document.getElementById("upload-progress");
    const percent = document.getElementById("upload-percent");
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      const share = Math.round((progress.loaded / progress.total) * 100);
      bar.value = share;
      percent.textContent = share + "%";
    });
    request.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(request.responseText); } catch (_) { /* not JSON */ }
      const message = body && body.messages && body.messages[0] ? body.messages[0].message : request.statusText;
      if (request.status >= 200 && request.status < 300) {
        bar.value = 100;
        percent.textContent = "100%";
        say("Uploaded " + (body && body.response ? body.response.version : "") + " to " + channel + ".");
        setTimeout(() => location.reload(), 1200);
      } else {
        say("Refused: " + message, true);
      }
    });
    request.addEventListener("error", () => say("The upload failed: the connection was lost.", true));
    request.open("POST", upload.dataset.upload + encodeURIComponent(channel) + "/builds");
    request.setRequestHeader("X-CSRF-Token", csrf());
    say("Uploading…");
    request.send(data);
  });
}

// License search as you type: results become radio buttons named "licenses".
document.querySelectorAll("input[data-license-search]").forEach((input) => {
  const results = document.getElementById(input.dataset.licenseSearch);
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value.trim();
      results.querySelectorAll("label").forEach((label) => label.remove());
      if (text.length < 2) return;
      results.setAttribute("aria-busy", "true");
      const answer = await answerOf(await fetch("/api/v1/licenses?search=" + encodeURIComponent(text), { credentials: "same-origin" }));
      results.removeAttribute("aria-busy");
      if (!answer.ok) return say(answer.message, true);
      for (const license of answer.body.response.licenses || []) {
        const label = document.createElement("label");
        const radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "licenses";
        radio.value = license.id;
        label.append(radio, " " + license.customer_name + " <" + license.customer_email + "> · …" + license.key_last4);
        results.append(label);
      }
    }, 200);
  });
});

// The build list's refresh button: reloads the choices without leaving the page.
document.querySelectorAll("button[data-builds]").forEach((button) => {
  button.addEventListener("click", async () => {
    const select = document.getElementById(button.dataset.target);
    const chosen = select.value;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    select.setAttribute("aria-busy", "true");
    button.textContent = "…";
    const answer = await answerOf(await fetch(button.dataset.builds + "?limit=200", { credentials: "same-origin" }));
    button.disabled = false;
    button.removeAttribute("aria-busy");
    select.removeAttribute("aria-busy");
    button.textContent = "↻";
    if (!answer.ok) return say(answer.message, true);
    select.querySelectorAll("option[value]:not([value=''])").forEach((option) => option.remove());
    for (const build of answer.body.response.builds || []) {
      const option = document.createElement("option");
      option.value = build.build_hash;
      option.textContent = build.version + " · " + build.channel + " · " + build.build_hash.slice(0, 8);
      select.append(option);
    }
    select.value = chosen;
    say("Build list refreshed.");
  });
});

// Build all / publish all: exactly the ticked channels of the plan shown.
const plan = document.getElementById("plan-form");
if (plan) {
  plan.addEventListener("submit", async (event) => {
    event.preventDefault();
    const channels = [...plan.querySelectorAll('input[name="channel"]:checked')].map((box) => box.value);
    const total = plan.querySelectorAll('input[name="channel"]').length;
    const bar = document.getElementById("plan-progress");
    const state = document.getElementById("plan-state");
    bar.hidden = false;
    bar.removeAttribute("value");
    state.textContent = "Publishing " + channels.length + " of " + total + " channels…";
    const answer = await api("POST", plan.dataset.plan, JSON.stringify({ plan_version: plan.dataset.version, channels }), "application/json");
    bar.value = 1;
    if (!answer.ok) {
      state.textContent = "";
      say(answer.message + (answer.status === 409 ? " The plan is shown again as it is now." : ""), true);
      if (answer.status === 409) setTimeout(() => location.reload(), 2500);
      return;
    }
    state.textContent = "Published " + channels.length + " of " + total + " channels.";
    setTimeout(() => location.reload(), 800);
  });
}

// What a site gets, and why: the answer path's decision, each rule on a line.
document.querySelectorAll("form[data-decide]").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const element of form.elements) if (element.name && element.value.trim()) query.set(element.name, element.value.trim());
    const answer = await answerOf(await fetch(form.dataset.decide + "?" + query, { credentials: "same-origin" }));
    const output = document.getElementById("decision");
    if (!answer.ok) { output.textContent = "Refused (" + answer.status + "): " + answer.message; return; }
    const decision = answer.body.response || {};
    const build = decision.build;
    let head = "Gets nothing.";
    if (build && decision.update_available) {
      head = "Gets " + build.version + " (" + build.build_hash.slice(0, 8) + ") from " + decision.serving_channel + (decision.downgrade ? ", a downgrade." : ".");
    } else if (build) {
      head = "Gets no update: " + decision.serving_channel + " serves " + build.version + ".";
    }
    const steps = document.createElement("ol");
    for (const step of decision.steps || []) {
      const item = document.createElement("li");
      item.textContent = step.detail;
      steps.append(item);
    }
    output.replaceChildren(head, steps);
  });
});
