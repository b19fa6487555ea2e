// Small DOM helpers for the console's page.

/** An element with attributes and children (strings become text). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A panel with a heading. */
export function panel(id: string, title: string, ...children: (Node | string)[]): HTMLElement {
  return el('section', { id, class: 'panel' }, el('h2', {}, title), ...children);
}

/** hh:mm:ss.mmm, UTC, as the broker's trace prints time. */
export function clockText(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}
