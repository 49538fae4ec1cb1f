/**
 * Keyboard shortcuts: on the call screen M mutes or unmutes, V turns the camera off or on, Esc
 * hangs up; Esc also cancels a call still ringing out. Keys typed into a field, or with Ctrl, Alt
 * or Meta, are left alone. The keys press the buttons themselves, so a disabled button (devices
 * not ready) does nothing, and what the buttons do is written once.
 */
import { byId } from './dom.js';

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

function press(id: string): void {
  const b = byId<HTMLButtonElement>(id);
  if (!b.disabled && !b.hidden) b.click();
}

export function installShortcuts(): void {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || e.repeat || typing(e.target)) return;
    const screen = document.body.dataset.screen;
    const key = e.key.toLowerCase();
    if (screen === 'call' && key === 'm') press('btn-mute');
    else if (screen === 'call' && key === 'v') press('btn-camera');
    else if (key === 'escape' && screen === 'call') press('btn-hangup');
    else if (key === 'escape' && screen === 'outgoing') press('btn-cancel');
    else return;
    e.preventDefault();
  });
}
