import { useKey } from "./api.js";
import { $ } from "./dom.js";
import { refresh } from "./refresh.js";
import { setUpStartForm } from "./start-form.js";

/**
 * The dashboard's script (no framework), generic over the kinds the server embeds (`kinds.ts`):
 * what to start and with which inputs, which buttons a waiting workflow gets, which feeds draw a
 * bar or a log. It talks to the same API a curl user does.
 */
const POLL_MS = 2000;

$<HTMLFormElement>("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>("key-input");
  useKey(input.value.trim());
  input.value = "";
  $("key-section").hidden = true;
  void refresh();
});

setUpStartForm();
void refresh();
setInterval(() => void refresh(), POLL_MS);
