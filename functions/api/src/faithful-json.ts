import { InvalidInputError } from "@wfc/core";

/**
 * Makes a parsed JSON message one that is stored exactly as the API echoes it, or refuses it.
 * `JSON.parse` turns a number too large for a double (`1e309`) into Infinity, which JSON cannot
 * echo (it prints null) and the stored form keeps as Infinity; a `"__proto__"` key is an own
 * property to `JSON.parse` but sets the prototype when the workflow's copy is rebuilt, so the
 * workflow would see another object than the 200 showed. -0 is echoed as 0, so it becomes 0.
 * Iterative, so a deeply nested body cannot overflow the stack here.
 * @throws InvalidInputError (422) naming the first offending path.
 */
export function makeFaithful(message: Record<string, unknown>): Record<string, unknown> {
  const pending: Array<{ value: object; path: string }> = [{ value: message, path: "body" }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    const holder = value as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      if (!Array.isArray(value) && key === "__proto__") {
        throw new InvalidInputError(`Message must not have a "__proto__" key (at ${path})`);
      }
      const item = holder[key];
      if (typeof item === "number") {
        if (!Number.isFinite(item))
          throw new InvalidInputError(`Message number at ${at} is too large to store`);
        if (Object.is(item, -0)) holder[key] = 0;
      } else if (typeof item === "object" && item !== null) {
        pending.push({ value: item, path: at });
      }
    }
  }
  return message;
}
