/**
 * Language: English or Chinese, first from the browser's language, then from the switch
 * (remembered in localStorage). t() looks a word up and fills in `{params}`; elements with
 * `data-i18n="key"` (text) or `data-i18n-label="key"` (aria-label) in the HTML are filled by
 * applyStatic(), and code re-renders its own text on `onLanguageChange`.
 */
import { en, zh, type StringKey, type Strings } from './strings.js';

export type Lang = 'en' | 'zh';
const tables: Record<Lang, Strings> = { en, zh };
const STORE_KEY = 'callroom.lang';

let lang: Lang = 'en';
const listeners = new Set<() => void>();

export function detectLanguage(stored: string | null, browser: readonly string[]): Lang {
  if (stored === 'en' || stored === 'zh') return stored;
  for (const l of browser) {
    const low = l.toLowerCase();
    if (low.startsWith('zh')) return 'zh';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

export function initLanguage(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORE_KEY);
  } catch {
    /* storage may be off */
  }
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  setLanguage(detectLanguage(stored, langs), false);
  return lang;
}

export function currentLanguage(): Lang {
  return lang;
}

export function setLanguage(next: Lang, remember = true): void {
  lang = next;
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  if (remember) {
    try {
      localStorage.setItem(STORE_KEY, next);
    } catch {
      /* storage may be off */
    }
  }
  applyStatic(document);
  for (const fn of listeners) fn();
}

export function onLanguageChange(fn: () => void): void {
  listeners.add(fn);
}

export function t(key: StringKey, params: Record<string, string | number> = {}): string {
  const text = tables[lang][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (k in params ? String(params[k]) : `{${k}}`));
}

export function applyStatic(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as StringKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel as StringKey));
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-placeholder]')) {
    el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder as StringKey));
  }
}
