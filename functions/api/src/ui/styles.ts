/**
 * The dashboard's stylesheet: system fonts and no images, so the page stays a few kilobytes and
 * works offline. One column on a phone, two from 900 px up.
 */
export const STYLES = `
:root { color-scheme: light dark; --accent: #2563eb; --ok: #15803d; --bad: #b91c1c; --line: #8884; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; }
header { padding: .75rem 1rem; border-bottom: 1px solid var(--line); display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
main { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 900px) { main { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
section { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; min-width: 0; }
section.wide { grid-column: 1 / -1; }
form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
form .inputs { display: contents; }
label { display: flex; flex-direction: column; font-size: .85rem; gap: .15rem; }
input, select, button { font: inherit; padding: .4rem .6rem; border-radius: .35rem; border: 1px solid var(--line); min-height: 2.5rem; }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
button.secondary { background: transparent; color: inherit; border-color: var(--line); }
button.reject { background: var(--bad); border-color: var(--bad); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
[hidden] { display: none !important; }
ul.plain { list-style: none; margin: 0; padding: 0; display: grid; gap: .75rem; }
.bar { height: 1rem; border-radius: .5rem; background: var(--line); overflow: hidden; }
.bar > div { height: 100%; width: 0; background: var(--accent); transition: width .3s; }
.bar.done > div { background: var(--ok); }
.meta { font-size: .85rem; opacity: .8; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.table { overflow-x: auto; }
th, td { text-align: left; padding: .35rem .4rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
td:first-child { white-space: normal; overflow-wrap: anywhere; }
@media (max-width: 480px) { table { font-size: .8rem; } th, td { padding: .3rem .2rem; } }
td.status-SUCCESS { color: var(--ok); }
td.status-ERROR, td.status-CANCELLED { color: var(--bad); }
ol.log li { overflow-wrap: anywhere; }
ol.log { font: .85rem/1.4 ui-monospace, monospace; max-height: 18rem; overflow: auto; margin: .5rem 0 0; padding-left: 2.5rem; }
#notice { min-height: 1.5rem; }
#notice.error { color: var(--bad); }
`;
