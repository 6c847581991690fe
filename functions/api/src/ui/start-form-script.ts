/**
 * The dashboard's start form, browser JavaScript included in its script (it uses the script's
 * `KINDS`, `$`, `el`, `api`, `notify`, `watch` and `refresh`): a kind select, one input per start
 * parameter of the selected kind, and a POST to the kind's start path.
 */
export const START_FORM_SCRIPT = String.raw`/** The start form's inputs: one per start parameter of the selected kind; typed values stay. */
function renderInputs() {
  const kind = KINDS.find((k) => k.name === $("start-kind").value);
  const typed = new Map([...$("start-inputs").querySelectorAll("input")].map((i) => [i.name, i]));
  $("start-inputs").replaceChildren(...(kind ? kind.inputs : []).map((input) => {
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
      if (input.min !== undefined) field.min = input.min;
      if (input.max !== undefined) field.max = input.max;
    }
    if (input.type !== "boolean" && input.default !== undefined) field.value = String(input.default);
    const old = typed.get(input.param);
    if (old && old.type === field.type) {
      field.value = old.value;
      field.checked = old.checked;
    }
    return el("label", {}, input.label, field);
  }));
}

$("start-kind").replaceChildren(...KINDS.map((k) => el("option", { value: k.name, textContent: k.name })));
$("start-kind").addEventListener("change", renderInputs);
renderInputs();

$("start-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const kind = KINDS.find((k) => k.name === $("start-kind").value);
  if (!kind) return;
  const id = kind.name + "-" + Date.now().toString(36);
  const values = { workflow_id: id };
  for (const field of $("start-inputs").querySelectorAll("input")) {
    values[field.name] = field.type === "checkbox" ? String(field.checked) : field.value;
  }
  const path = [kind.prefix, ...kind.segments.map((name) => encodeURIComponent(values[name]))].join("/");
  try {
    await api(path, { method: "POST" });
    notify("Started " + id);
    watch(id, kind);
    await refresh();
  } catch (error) {
    if (!(error instanceof Unauthorized)) notify("Could not start: " + error.message, true);
  }
});
`;
