/**
 * The in-call screen: the others' video large (one tile each; a 1:1 call fills the screen, a call
 * with people added is a grid of two or three), this
 * camera small in a corner, the duration, the connection state, what is wrong with the devices,
 * and the buttons: mute, camera off, hang up (or leave, in a room).
 */
import type { CallClient } from '../src/sdk/client.js';
import type { Member, MemberMedia } from '../src/protocol/messages.js';
import type { LocalMedia } from '../src/sdk/media/local-media.js';
import type { MediaRoom } from '../src/sdk/media/room.js';
import { byId, el } from './dom.js';
import { formatDuration } from './format.js';
import { t } from './i18n.js';
import { MediaHealthNotice } from './media-health.js';
import { mediaOf } from './media-status.js';
import { NetQuality } from './net-quality.js';
import { DevicePicker } from './device-picker.js';
import { ScreenShare } from './screen-share.js';
import { deviceNotice } from './outcome.js';
import type { PhoneState } from './phone.js';
import { RemoteTile } from './remote-tile.js';

export class CallView {
  private readonly tiles = new Map<string, RemoteTile>();
  private readonly names = new Map<string, string>();
  /** The last `meeting.media` of each member, kept for a tile made after it came. */
  private readonly media = new Map<string, MemberMedia>();
  private offs: (() => void)[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private since = 0;
  private local: LocalMedia | null = null;
  private state: PhoneState = { kind: 'idle' };
  private readonly box = byId('tiles');
  private readonly localVideo = byId<HTMLVideoElement>('local-video');
  private readonly muteBtn = byId<HTMLButtonElement>('btn-mute');
  private readonly camBtn = byId<HTMLButtonElement>('btn-camera');
  private readonly hangBtn = byId<HTMLButtonElement>('btn-hangup');
  private readonly net = new NetQuality();
  private readonly devices = new DevicePicker(() => [...this.box.querySelectorAll('video')]);
  /** Set while attached: tells the others this page's devices and whether it shares its screen. */
  private announce: () => void = () => undefined;
  private readonly screen = new ScreenShare((track) => {
    // The preview shows what the others see.
    this.localVideo.srcObject = track ? new MediaStream([track]) : (this.local?.stream ?? null);
    this.announce();
  });
  /** Removes the button listeners when the session ends. */
  private readonly listening = new AbortController();
  /** Media that does not get through: retrying, failed, and a hang-up button (web/media-health.ts). */
  private readonly health: MediaHealthNotice;

  constructor(private readonly client: CallClient) {
    const signal = this.listening.signal;
    this.health = new MediaHealthNotice(client, () => this.hangBtn.click(), () => this.renderText());
    byId('media-notice').before(this.health.root);
    this.muteBtn.addEventListener(
      'click',
      () => {
        const l = this.local;
        if (l) void l.setMicEnabled(l.audio !== 'on').then(() => this.renderButtons());
      },
      { signal },
    );
    this.camBtn.addEventListener(
      'click',
      () => {
        const l = this.local;
        if (l) void l.setCameraEnabled(l.video !== 'on').then(() => this.renderButtons());
      },
      { signal },
    );
    byId('btn-copy-link').addEventListener(
      'click',
      () => {
        const input = byId<HTMLInputElement>('room-link-text');
        input.select();
        void navigator.clipboard?.writeText(input.value).then(
          () => (byId('btn-copy-link').textContent = t('copied')),
          () => undefined,
        );
      },
      { signal },
    );
  }

  dispose(): void {
    this.reset();
    this.devices.dispose();
    this.screen.dispose();
    this.listening.abort();
  }

  /** Follows the phone's state: title, duration, which button label. */
  show(s: PhoneState): void {
    const was = this.state;
    this.state = s;
    if (s.kind !== 'call' && s.kind !== 'room') return;
    // A call's answer time can be corrected (from its record) while it is shown: follow it.
    if (s.kind === 'call') this.since = s.answeredAt;
    // An audio call starts without the camera (its button turns it on); the style sheet and tests read it.
    byId('screen-call').dataset.callType = s.kind === 'call' ? s.callType : 'video';
    if (was.kind !== s.kind) {
      if (s.kind === 'room') this.since = Date.now();
      if (s.kind === 'call') this.ensureTile(s.peer.userID, s.peer.nickName);
    }
    this.renderText();
    if (!this.timer) this.timer = setInterval(() => this.renderDuration(), 1000);
  }

  /** A meeting's media started: show the streams as they come. */
  attach(room: MediaRoom, local: LocalMedia, members: Member[]): void {
    this.detachMedia();
    this.local = local;
    // The others see this page's microphone and camera (`meeting.media`): now, on each change,
    // and when someone enters. Dropped quietly if the meeting is already left.
    const announce = () => void this.client.setMedia(room.meetingID, { ...mediaOf(local.snapshot), screen: this.screen.sharing }).catch(() => undefined);
    this.announce = announce;
    for (const m of members) this.ensureTile(m.userID, m.nickName || m.userID);
    this.localVideo.srcObject = local.stream;
    this.health.attach(room, () => (this.state.kind === 'call' ? this.state.callID : null));
    this.offs.push(
      room.on('stream', ({ userID, stream }) => {
        this.ensureTile(userID, this.names.get(userID) ?? userID).setStream(stream);
      }),
      room.on('left', ({ userID }) => this.removeTile(userID)),
      room.on('connection', ({ userID, state }) => {
        this.tiles.get(userID)?.setConnection(state);
        this.renderText();
      }),
      this.client.on('meeting.memberJoined', (e) => {
        if (e.meetingID !== room.meetingID) return;
        this.ensureTile(e.member.userID, e.member.nickName || e.member.userID);
        // A newcomer learns this page's microphone and camera from us.
        announce();
      }),
      this.client.on('meeting.media', (e) => {
        if (e.meetingID !== room.meetingID) return;
        const said = { audio: e.audio, video: e.video, screen: e.screen === true };
        this.media.set(e.userID, said);
        this.tiles.get(e.userID)?.setMedia(said);
      }),
      local.on('change', () => {
        announce();
        this.renderButtons();
        this.renderText();
      }),
      local.on('track', () => {
        // A device opened: refresh the preview (unless it shows the shared screen).
        if (this.screen.sharing) return;
        this.localVideo.srcObject = null;
        this.localVideo.srcObject = local.stream;
      }),
    );
    this.net.start(room, () => [...this.tiles.keys()]);
    this.devices.attach(local);
    this.screen.attach(room);
    this.renderButtons();
    this.renderText();
    announce();
  }

  private ensureTile(userID: string, name: string): RemoteTile {
    this.names.set(userID, name);
    let tile = this.tiles.get(userID);
    if (tile) {
      tile.setName(name);
      return tile;
    }
    tile = new RemoteTile(userID, name);
    for (const v of tile.root.querySelectorAll('video')) this.devices.applySink(v);
    const said = this.media.get(userID);
    if (said) tile.setMedia(said);
    this.tiles.set(userID, tile);
    this.box.append(tile.root);
    this.box.dataset.count = String(this.tiles.size);
    if (this.tiles.size > 1) this.renderText();
    return tile;
  }

  private removeTile(userID: string): void {
    const tile = this.tiles.get(userID);
    if (!tile) return;
    tile.dispose();
    this.tiles.delete(userID);
    this.box.dataset.count = String(this.tiles.size);
    this.renderText();
  }

  private renderButtons(): void {
    const l = this.local;
    // Until the devices have answered, the buttons wait (and say what they will do).
    const starting = !l || (l.audio === 'none' && l.video === 'none');
    this.muteBtn.disabled = starting;
    this.camBtn.disabled = starting;
    const micOn = starting || l?.audio === 'on';
    const camOn = starting || l?.video === 'on';
    this.muteBtn.textContent = micOn ? t('mute') : t('unmute');
    this.muteBtn.setAttribute('aria-pressed', String(!micOn));
    this.camBtn.textContent = camOn ? t('cameraOff') : t('cameraOn');
    this.camBtn.setAttribute('aria-pressed', String(!camOn));
    this.localVideo.parentElement!.dataset.camera = !starting && camOn ? 'on' : 'off';
  }

  renderText(): void {
    const s = this.state;
    if (s.kind !== 'call' && s.kind !== 'room') return;
    // A call with people added: everyone's name (each tile is one person).
    const people = [...this.tiles.keys()].map((u) => this.names.get(u) ?? u);
    byId('call-title').textContent = s.kind === 'call' ? (people.length > 1 ? people.join(', ') : s.peer.nickName) : t('roomTitle', { id: s.meeting.ID });
    this.hangBtn.textContent = s.kind === 'call' ? t('hangUp') : t('leaveRoom');
    const states = [...this.tiles.values()].map((x) => x.state);
    let status = t('connecting');
    if (states.some((x) => x === 'connected')) status = t('connected');
    else if (states.some((x) => x === 'disconnected' || x === 'failed')) status = t('reconnecting');
    // No media after the retry: say so instead of "Connecting…" (the notice says why).
    if (this.health.worst === 'failed' && !states.some((x) => x === 'connected')) status = t('mediaFailedStatus');
    const alone = s.kind === 'room' && this.tiles.size === 0;
    this.box.dataset.empty = alone ? t('waitingOthers') : '';
    byId('call-status').textContent = alone ? '' : status;
    const linkBox = byId('room-link');
    linkBox.hidden = s.kind !== 'room';
    if (s.kind === 'room') {
      byId('room-alone').hidden = !alone;
      byId<HTMLInputElement>('room-link-text').value = roomLink(s.meeting);
    }
    const notice = this.local ? deviceNotice(this.local.snapshot) : '';
    const n = byId('media-notice');
    n.textContent = notice;
    n.hidden = notice === '';
    this.health.render();
    this.renderButtons();
    this.renderDuration();
    this.net.render();
    this.screen.render();
    for (const tile of this.tiles.values()) tile.relabel();
  }

  private renderDuration(): void {
    const d = byId('call-duration');
    d.textContent = formatDuration(Date.now() - this.since);
  }

  private detachMedia(): void {
    this.announce = () => undefined;
    this.screen.detach();
    this.net.stop();
    this.devices.detach();
    for (const off of this.offs) off();
    this.offs = [];
    this.health.detach();
    this.local = null;
    this.localVideo.srcObject = null;
  }

  /** The call or room is over: clear everything. */
  reset(): void {
    this.detachMedia();
    for (const id of [...this.tiles.keys()]) this.removeTile(id);
    this.names.clear();
    this.media.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.state = { kind: 'idle' };
    byId('btn-copy-link').textContent = t('copyLink');
  }
}

/** The link that opens this page and joins the room: the meeting's pubMeetUrl (`/?meeting=ID`) with its password. */
export function roomLink(m: { ID: number; pswd: string; pubMeetUrl: string }): string {
  const u = new URL(m.pubMeetUrl || location.origin + location.pathname);
  u.searchParams.set('meeting', String(m.ID));
  if (m.pswd) u.searchParams.set('pswd', m.pswd);
  return u.toString();
}
