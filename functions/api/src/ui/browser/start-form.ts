import { api, Unauthorized } from "./api.js";
import { $, el, messageOf, notify } from "./dom.js";
import { kinds } from "./kinds.js";
import { refresh } from "./refresh.js";
import { watch } from "./watch.js";

/** The kinds the form starts: those with a path route (the others take lists or objects). */
const startable = kinds.filter((k) => k.form);
const selected = () => startable.find((k) => k.name === $<HTMLSelectElement>("start-kind").value);

/** The start form's inputs: one per start parameter of the selected kind; typed values stay. */
function renderInputs() {
  const kind = selected();
  const typed = new Map(
    [...$("start-inputs").querySelectorAll("input")].map((input) => [input.name, input]),
  );
  const fields = (kind ? kind.inputs : []).map((input) => {
    const field = el("input", { name: input.param, required: input.type !== "boolean" });
    if (input.type === "boolean") {
      field.type = "checkbox";
      field.checked = input.default === true;
    } else if (input.type === "string") {
      field.type = "text";
      if (input.min !== undefined) field.minLength = input.min;
      if (input.max !== undefined) field.maxLength = input.max;
    } else {
      field.type = "number";
      field.step = input.type === "integer" ? "1" : "any";
      if (input.min !== undefined) field.min = String(input.min);
      if (input.max !== undefined) field.max = String(input.max);
    }
    if (input.type !== "boolean" && input.default !== undefined) {
      field.value = String(input.default);
    }
    const old = typed.get(input.param);
    if (old && old.type === field.type) {
      field.value = old.value;
      field.checked = old.checked;
    }
    return el("label", {}, input.label, field);
  });
  $("start-inputs").replaceChildren(...fields);
}

/** Starts a workflow of the selected kind at its start path, with a fresh ID. */
async function start(e: SubmitEvent) {
  e.preventDefault();
  const kind = selected();
  if (!kind) return;
  const id = kind.name + "-" + Date.now().toString(36);
  const values: Record<string, string> = { workflow_id: id };
  for (const field of $("start-inputs").querySelectorAll("input")) {
    values[field.name] = field.type === "checkbox" ? String(field.checked) : field.value;
  }
  const segments = kind.segments.map((name) => encodeURIComponent(values[name] ?? ""));
  try {
    await api([kind.prefix, ...segments].join("/"), { method: "POST" });
    notify("Started " + id);
    watch(id, kind);
    await refresh();
  } catch (error) {
    if (!(error instanceof Unauthorized)) notify("Could not start: " + messageOf(error), true);
  }
}

/** The start form: a kind select, one input per start parameter of the selected kind. */
export function setUpStartForm() {
  $("start-kind").replaceChildren(
    ...startable.map((k) => el("option", { value: k.name, textContent: k.name })),
  );
  $("start-kind").addEventListener("change", renderInputs);
  renderInputs();
  $<HTMLFormElement>("start-form").addEventListener("submit", (e) => void start(e));
}
