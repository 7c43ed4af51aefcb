/**
 * Everything the widget looks like. It lives in the widget's shadow root, so the host
 * page's CSS cannot reach in and this cannot leak out; `:host { all: initial }` stops
 * inherited properties too. Logical properties make right-to-left layout free.
 */
export const css = `
:host { all: initial; }
* { box-sizing: border-box; }
.root { position: fixed; inset-block-end: 20px; inset-inline-end: 20px; z-index: 2147483000;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", sans-serif;
  color: #0f172a; }
button, input, textarea, select { font: inherit; color: inherit; }
.launcher { position: relative; width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer;
  background: var(--accent); color: #fff; box-shadow: 0 6px 20px rgba(15, 23, 42, .25);
  display: flex; align-items: center; justify-content: center; margin-inline-start: auto; }
.launcher:focus-visible, .panel button:focus-visible, .panel input:focus-visible, .panel textarea:focus-visible {
  outline: 3px solid #f59e0b; outline-offset: 2px; }
.launcher svg { width: 26px; height: 26px; }
.badge { position: absolute; inset-block-start: -4px; inset-inline-end: -4px; min-width: 22px; height: 22px;
  padding: 0 6px; border-radius: 11px; background: #dc2626; color: #fff; font-size: 12px; font-weight: 700;
  display: flex; align-items: center; justify-content: center; border: 2px solid #fff; }
.panel { width: min(370px, calc(100vw - 32px)); height: min(560px, calc(100vh - 110px)); margin-block-end: 14px;
  background: #fff; border-radius: 14px; box-shadow: 0 12px 40px rgba(15, 23, 42, .28); display: flex;
  flex-direction: column; overflow: hidden; border: 1px solid #e2e8f0; }
.head { background: var(--accent); color: #fff; padding: 14px 16px; display: flex; align-items: center; gap: 8px; }
.head h2 { margin: 0; font-size: 16px; font-weight: 650; flex: 1; }
.head button { background: transparent; border: 0; color: #fff; cursor: pointer; padding: 4px; border-radius: 6px; line-height: 0; }
.head small { display: block; font-size: 12px; opacity: .9; font-weight: 400; }
.body { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px; background: #f8fafc; }
.greeting { color: #334155; background: #fff; border: 1px solid #e2e8f0; border-radius: 12px; padding: 10px 12px; }
.msg { max-width: 82%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.me { align-self: flex-end; background: var(--accent); color: #fff; border-end-end-radius: 4px; }
.msg.them { align-self: flex-start; background: #fff; border: 1px solid #e2e8f0; border-end-start-radius: 4px; }
.who { display: flex; align-items: center; gap: 6px; font-size: 12px; font-weight: 600; color: #475569; margin-block-end: 4px; }
.avatar { display: inline-flex; align-items: center; justify-content: center; width: 22px; height: 22px; border-radius: 50%; background: var(--accent); color: #fff; font-size: 10px; font-weight: 700; }
.meta { align-self: flex-end; font-size: 11px; color: #64748b; margin-block-start: -4px; }
.typing, .note { font-size: 12px; color: #475569; font-style: italic; }
.note.err { color: #b91c1c; font-style: normal; }
.compose { display: flex; gap: 8px; padding: 10px; border-block-start: 1px solid #e2e8f0; background: #fff; }
.compose textarea { flex: 1; resize: none; border: 1px solid #cbd5e1; border-radius: 10px; padding: 8px 10px; min-height: 40px; max-height: 120px; }
.send, .primary { background: var(--accent); color: #fff; border: 0; border-radius: 10px; padding: 8px 14px; cursor: pointer; font-weight: 600; }
.send:disabled { opacity: .5; cursor: default; }
form.card { display: flex; flex-direction: column; gap: 10px; padding: 14px; overflow-y: auto; flex: 1; }
form.card label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; color: #334155; }
form.card input, form.card textarea { border: 1px solid #cbd5e1; border-radius: 8px; padding: 8px 10px; background: #fff; }
.tabs { display: flex; gap: 6px; }
.tabs button { flex: 1; border: 1px solid #cbd5e1; background: #fff; border-radius: 8px; padding: 6px; cursor: pointer; }
.tabs button[aria-pressed="true"] { border-color: var(--accent); box-shadow: inset 0 0 0 1px var(--accent); font-weight: 600; }
.status { text-align: center; font-size: 12px; color: #475569; }
.msg img { display: block; max-width: 100%; max-height: 220px; border-radius: 8px; margin-block-start: 6px; }
.msg .file { display: block; margin-block-start: 6px; text-decoration: underline; color: inherit; }
.attach { background: transparent; border: 1px solid #cbd5e1; border-radius: 10px; padding: 0 8px; cursor: pointer; color: #475569; line-height: 0; }
.files { list-style: none; margin: 0; padding: 6px 10px 0; display: flex; flex-wrap: wrap; gap: 6px; background: #fff; font-size: 12px; }
.files li { background: #f1f5f9; border-radius: 6px; padding: 2px 8px; display: flex; gap: 6px; align-items: center; }
.files li.err { background: #fef2f2; color: #b91c1c; }
.files button { border: 0; background: transparent; cursor: pointer; font-size: 14px; line-height: 1; }
`;
