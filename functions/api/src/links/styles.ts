/**
 * The approval page's stylesheet: one narrow column, system fonts, large targets (WCAG 2.2's
 * 24 px minimum, well over), visible focus, and the user's light or dark scheme.
 */
export const LINK_STYLES = `
:root { color-scheme: light dark; --accent: #1d4ed8; --bad: #b91c1c; --line: #8886; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.55 system-ui, sans-serif; }
main { max-width: 36rem; margin: 0 auto; padding: 2rem 1rem; }
h1 { font-size: 1.4rem; line-height: 1.3; margin: 0 0 1rem; }
.summary { border-left: 4px solid var(--line); padding: .25rem .75rem; margin: 0 0 1rem; white-space: pre-wrap; }
.meta { font-size: .9rem; opacity: .85; }
fieldset { border: 0; padding: 0; margin: 1.25rem 0 0; }
legend { font-weight: 600; margin-bottom: .5rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
textarea { font: inherit; width: 100%; min-height: 5rem; padding: .5rem; border: 1px solid var(--line); border-radius: .4rem; }
.choices { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: 1rem; }
button { font: inherit; font-weight: 600; min-height: 2.75rem; padding: .5rem 1.25rem; border-radius: .4rem; border: 2px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.reject { background: transparent; color: var(--bad); border-color: var(--bad); }
button:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.outcome { border: 2px solid var(--line); border-radius: .5rem; padding: 1rem; }
`;
