/** Small DOM helpers: find an element, make one, show one screen. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

type Attrs = Record<string, string | boolean | number | undefined>;

/** Makes an element: el('button', { class: 'x', 'aria-label': 'Call' }, 'Call'). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) e.append(c);
  return e;
}

export const SCREENS = ['login', 'home', 'outgoing', 'incoming', 'call'] as const;
export type Screen = (typeof SCREENS)[number];

/** Shows one screen, hides the others, and moves focus to the screen's first control. */
export function showScreen(name: Screen, focus?: HTMLElement | null): void {
  for (const s of SCREENS) byId(`screen-${s}`).hidden = s !== name;
  document.body.dataset.screen = name;
  const target = focus ?? byId(`screen-${name}`).querySelector<HTMLElement>('[autofocus], button, input');
  target?.focus();
}

/** A notice for everyone, screen readers included (role=status / alert on the element). */
export function say(id: string, text: string, kind: 'info' | 'warn' = 'info'): void {
  const n = byId(id);
  n.textContent = text;
  n.dataset.kind = kind;
  n.hidden = text === '';
}
