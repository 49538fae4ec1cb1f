/**
 * The softphone page: wires the screens to one logged-in session at a time. Everything the page
 * does with the server goes through CallClient (src/sdk); media through LocalMedia/MediaRoom.
 */
import { Attention } from './attention.js';
import { installShortcuts } from './shortcuts.js';
import { IncomingPreview } from './preview.js';
import { CallClient, type LoginResult } from '../src/sdk/client.js';
import { AddPersonPanel } from './add-person.js';
import { CallView } from './call-view.js';
import { ConnectionNotice } from './connection.js';
import { Contacts } from './contacts.js';
import { byId, say, showScreen } from './dom.js';
import { History } from './history.js';
import { currentLanguage, initLanguage, onLanguageChange, setLanguage, t, type Lang } from './i18n.js';
import { devToken, NeedsTokenError, nameToUserID, saved } from './login.js';
import { msg, render, type Msg } from './outcome.js';
import { Phone, type PhoneState } from './phone.js';
import { QueueViews } from './queues.js';
import { resumeState, type ResumeState } from './resume-state.js';
import { Tones } from './tones.js';

const tones = new Tones();

/** A room link this page was opened with: /?meeting=ID&pswd=… */
function linkedRoom(): { id: number; pswd: string } | null {
  const q = new URLSearchParams(location.search);
  const id = Number(q.get('meeting'));
  return Number.isSafeInteger(id) && id > 0 ? { id, pswd: q.get('pswd') ?? '' } : null;
}

/** Reads a room link or number typed by the user. */
function parseRoom(text: string): { id: number; pswd: string } | null {
  const s = text.trim();
  if (/^\d+$/.test(s)) return { id: Number(s), pswd: '' };
  try {
    const u = new URL(s, location.href);
    const id = Number(u.searchParams.get('meeting'));
    return Number.isSafeInteger(id) && id > 0 ? { id, pswd: u.searchParams.get('pswd') ?? '' } : null;
  } catch {
    return null;
  }
}

class Session {
  readonly phone: Phone;
  readonly contacts: Contacts;
  readonly history: History;
  readonly view: CallView;
  private readonly addPerson: AddPersonPanel;
  readonly connection: ConnectionNotice;
  readonly attention = new Attention();
  private readonly preview = new IncomingPreview();
  readonly queues: QueueViews;
  private notice: Msg | null = null;

  constructor(
    readonly client: CallClient,
    readonly user: LoginResult,
  ) {
    const me = { userID: user.userID, nickName: user.nickName };
    this.phone = new Phone(client, tones, me);
    const call = (id: string) => void this.phone.call(id);
    this.contacts = new Contacts(client, user.userID, byId('contacts'), call);
    this.history = new History(client, user.userID, byId('history'), (id, callType) => void this.phone.call(id, id, callType));
    this.view = new CallView(client);
    this.addPerson = new AddPersonPanel(this.phone);
    this.queues = new QueueViews(client, this.phone, user.dnd);
    this.phone.on('state', (s) => {
      this.showState(s);
      this.attention.phoneState(s);
      // An audio call opens no camera, not even for the preview.
      if (s.kind === 'incoming' && s.callType === 'video') this.preview.show();
      else this.preview.hide();
    });
    this.phone.on('notice', (m) => {
      this.notice = m;
      say('notice', render(m));
    });
    this.phone.on('media', ({ room, local, members }) => this.view.attach(room, local, members));
    this.phone.on('ended', () => void this.refreshHistory());
    // A drop of the connection to the server: say so, and stay on the call (its media is peer to
    // peer). Back as a new session: find out what became of the call, and subscribe again.
    this.connection = new ConnectionNotice(client, () => this.phone.state.kind !== 'idle', () => {
      void this.phone.resync();
      void this.contacts.start().catch(() => undefined);
      void this.refreshHistory().catch(() => undefined);
      void this.queues.refresh().catch(() => undefined);
    });
    byId('me-name').textContent = t('you', { name: user.nickName });
    byId<HTMLInputElement>('dnd').checked = user.dnd;
    byId('me').hidden = false;
    // Kept for a reload: the session and the call, saved at each change and as the page goes.
    this.phone.on('state', this.save);
    addEventListener('pagehide', this.save);
  }

  /** Saves what a reload of this page needs to resume the session and its call. */
  private readonly save = (): void => {
    const u = this.client.user;
    if (!u || session !== this) return;
    resumeState.save({
      userID: u.userID,
      sessionID: u.sessionID,
      lastSeq: this.client.lastSeq,
      savedAt: Date.now(),
      resumeGraceMs: u.resumeGraceMs,
      call: this.phone.savedCall(),
      room: this.phone.savedRoom(),
    });
  };

  /** After a reload: carry on the call or the room the page was in. */
  async restore(from: ResumeState, resumed: boolean): Promise<void> {
    if (from.call) await this.phone.restoreCall(from.call, resumed);
    else if (from.room) await this.phone.restoreRoom(from.room, resumed);
  }

  async start(): Promise<void> {
    this.showState(this.phone.state);
    // A server without queues (or a failed fetch) leaves the queue views empty; the phone works on.
    await Promise.all([this.contacts.start(), this.refreshHistory(), this.queues.refresh().catch(() => undefined)]);
  }

  private async refreshHistory(): Promise<void> {
    const ids = await this.history.refresh();
    await this.contacts.add(ids);
  }

  showState(s: PhoneState): void {
    this.connection.render();
    this.addPerson.show(s);
    switch (s.kind) {
      case 'idle':
        this.view.reset();
        showScreen('home', byId('call-user'));
        break;
      case 'outgoing':
        byId('outgoing-title').textContent = t(s.callType === 'audio' ? 'callingAudio' : 'calling', { name: s.peer.nickName });
        byId('screen-outgoing').dataset.callType = s.callType;
        byId('outgoing-avatar').textContent = s.peer.nickName.slice(0, 1).toUpperCase();
        byId('outgoing-state').hidden = !s.invited;
        showScreen('outgoing', byId('btn-cancel'));
        break;
      case 'incoming':
        byId('incoming-title').textContent = t('incomingCall', { name: s.peer.nickName });
        byId('incoming-from').textContent = t(s.callType === 'audio' ? 'incomingAudioFrom' : 'incomingVideoFrom', { id: s.peer.userID });
        byId('screen-incoming').dataset.callType = s.callType;
        byId('incoming-avatar').textContent = s.peer.nickName.slice(0, 1).toUpperCase();
        showScreen('incoming', byId('btn-accept'));
        break;
      case 'call':
      case 'room': {
        const first = document.body.dataset.screen !== 'call';
        this.view.show(s);
        // Hang up: the one control that is never disabled while the call starts (Mute and Camera wait for the devices).
        if (first) showScreen('call', byId('btn-hangup'));
        break;
      }
    }
  }

  /** Re-renders every dynamic text after a language switch. */
  relabel(): void {
    byId('me-name').textContent = t('you', { name: this.user.nickName });
    say('notice', render(this.notice));
    this.connection.render();
    this.contacts.render();
    this.history.render();
    this.view.renderText();
    this.addPerson.render();
    this.attention.render();
    this.queues.render();
    if (this.phone.state.kind === 'outgoing' || this.phone.state.kind === 'incoming') this.showState(this.phone.state);
  }

  dispose(): void {
    removeEventListener('pagehide', this.save);
    this.phone.dispose();
    this.connection.dispose();
    this.view.dispose();
    this.addPerson.dispose();
    this.contacts.dispose();
    this.history.dispose();
    this.attention.dispose();
    this.preview.hide();
    this.queues.dispose();
    this.client.removeAll();
    byId('me').hidden = true;
    say('notice', '');
  }
}

let session: Session | null = null;

function loggedOutMessage(code: number): string {
  if (code === 10) return t('loggedOutKicked');
  if (code === 18) return t('loggedOutExpired');
  if (code === 904) return t('loggedOutShutdown');
  return t('loggedOutLost');
}

function showLogin(error = ''): void {
  const room = linkedRoom();
  const hint = byId('login-join-hint');
  hint.hidden = room === null;
  if (room) hint.textContent = t('loginJoinHint', { id: room.id });
  say('login-error', error, 'warn');
  byId<HTMLInputElement>('login-name').value ||= saved.name() ?? '';
  showScreen('login', byId('login-name'));
}

/**
 * Logs in with `token`. `from`: what this tab kept before a reload; the login then asks to resume
 * that session (the server holds it for the resume grace) and the page carries on its call.
 */
async function login(token: string, name?: string, from: ResumeState | null = null): Promise<void> {
  const client = new CallClient({ url: location.origin });
  const user = from ? await client.loginResuming(token, { sessionID: from.sessionID, lastSeq: from.lastSeq }) : await client.login(token);
  saved.remember(token, name);
  session?.dispose();
  const s = new Session(client, user);
  session = s;
  client.on('closed', (e) => {
    if (session !== s) return;
    s.dispose();
    session = null;
    saved.remember(null);
    resumeState.clear();
    showLogin(loggedOutMessage(e.code));
  });
  await s.start();
  if (from && from.userID === user.userID) await s.restore(from, client.resumed);
  const room = linkedRoom();
  if (room) {
    history.replaceState(null, '', location.pathname);
    const joined = await s.phone.joinRoom(room.id, room.pswd);
    if (!joined && session === s) {
      // Most often the link had no password: keep the room number and ask for it.
      byId<HTMLInputElement>('join-link').value = String(room.id);
      byId('join-pswd').focus();
    }
  }
}

function wire(): void {
  byId('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    tones.unlock();
    const name = nameToUserID(byId<HTMLInputElement>('login-name').value);
    if (!name) return;
    say('login-error', '');
    devToken(name)
      .then((token) => login(token, name))
      .catch((err: unknown) => {
        if (err instanceof NeedsTokenError) {
          byId<HTMLDetailsElement>('token-box').open = true;
          say('login-error', t('loginNeedsToken'), 'warn');
          byId('login-token').focus();
        } else say('login-error', t('loginFailed', { message: (err as Error).message }), 'warn');
      });
  });
  byId('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    tones.unlock();
    const token = byId<HTMLTextAreaElement>('login-token').value.trim();
    if (token) login(token).catch((err: unknown) => say('login-error', t('loginFailed', { message: (err as Error).message }), 'warn'));
  });
  byId('btn-logout').addEventListener('click', () => {
    const s = session;
    session = null;
    saved.remember(null);
    resumeState.clear();
    s?.dispose();
    void s?.client.logout().catch(() => undefined);
    showLogin();
  });
  const dnd = byId<HTMLInputElement>('dnd');
  dnd.addEventListener('change', () => {
    const want = dnd.checked;
    const s = session;
    s?.client.setDnd(want).then(
      () => s.queues.agent.setDnd(want),
      () => (dnd.checked = !want),
    );
  });
  byId('call-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>('call-user');
    const id = input.value.trim();
    // Two submit buttons: Call (video) and Audio call.
    const audio = (e as SubmitEvent).submitter?.id === 'btn-audio-call';
    if (id && session) void session.phone.call(id, id, audio ? 'audio' : 'video');
  });
  byId('btn-new-room').addEventListener('click', () => void session?.phone.newRoom());
  byId('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const room = parseRoom(byId<HTMLInputElement>('join-link').value);
    if (!room) return say('notice', render(msg('outRoomGone')), 'warn');
    const pswd = byId<HTMLInputElement>('join-pswd').value.trim() || room.pswd;
    void session?.phone.joinRoom(room.id, pswd);
  });
  byId('btn-cancel').addEventListener('click', () => void session?.phone.hangup());
  byId('btn-accept').addEventListener('click', () => void session?.phone.accept());
  byId('btn-reject').addEventListener('click', () => void session?.phone.reject());
  byId('btn-hangup').addEventListener('click', () => void session?.phone.hangup());
  installShortcuts();
  const lang = byId<HTMLSelectElement>('lang');
  lang.value = currentLanguage();
  lang.addEventListener('change', () => setLanguage(lang.value as Lang));
  onLanguageChange(() => {
    lang.value = currentLanguage();
    session?.relabel();
    if (!session) showLogin(byId('login-error').hidden ? '' : byId('login-error').textContent ?? '');
  });
}

/** For debugging and the browser tests: the live session. */
(globalThis as Record<string, unknown>).callroom = {
  get client() {
    return session?.client ?? null;
  },
  get phone() {
    return session?.phone ?? null;
  },
  get room() {
    return session?.phone.room ?? null;
  },
};

initLanguage();
wire();
const token = saved.token();
if (token) login(token, undefined, resumeState.load()).catch(() => showLogin());
else showLogin();
