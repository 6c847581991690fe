/** The page's element with this ID: the markup (`page.tsx`) has every one the script names. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page has no #${id}`);
  return node as T;
}

/** A new element with these properties and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The page's one status line; an error stays until a later refresh succeeds. */
export function notify(text: string, error = false) {
  $("notice").textContent = text;
  $("notice").className = error ? "error" : "";
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The message of anything thrown. */
export const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : String(error);
