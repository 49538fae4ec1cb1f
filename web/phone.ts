/**
 * The softphone: one state at a time (idle, calling out, ringing in, in a call, in a room) and
 * every transition between them, driven by the user's buttons and the server's events. It owns
 * the tones, this device's camera and microphone (LocalMedia) and the media of the meeting
 * (MediaRoom); views only render what it reports.
 */
import { chosenDevices } from './device-choice.js';
import type { CallClient } from '../src/sdk/client.js';
import { CallroomError } from '../src/protocol/errors.js';
import type { CallRecord, CallType, EventPayload, IceServer, IceTransportPolicy, MeetInfo, Member } from '../src/protocol/messages.js';
import { newCallID } from '../src/sdk/client.js';
import { LocalMedia } from '../src/sdk/media/local-media.js';
import { MediaRoom } from '../src/sdk/media/room.js';
import { TypedEmitter } from '../src/shared/typed-emitter.js';
import { formatDuration } from './format.js';
import { inviteFailure, msg, rejectedNotice, ringingEndedNotice, type Msg } from './outcome.js';
import type { SavedCall, SavedDevices } from './resume-state.js';
import type { Tones } from './tones.js';

export interface Peer {
  userID: string;
  nickName: string;
}

/**
 * A person this page called into the current call ("Add person"): ringing, joined (their own
 * call with this page is active), or not coming (`why`: declined, no answer, busy…).
 */
export interface Added {
  callID: string;
  peer: Peer;
  state: 'ringing' | 'joined' | 'failed';
  why?: Msg;
}

/** How long to wait for the hang-up of a party that left the meeting before ending the call here. */
const PEER_LEFT_GRACE_MS = 3_000;

export type PhoneState =
  | { kind: 'idle' }
  /** `callType`: 'audio' calls start with the microphone only (the camera can be turned on during the call). */
  | { kind: 'outgoing'; callID: string; peer: Peer; invited: boolean; callType: CallType }
  | { kind: 'incoming'; callID: string; peer: Peer; meeting: MeetInfo; callType: CallType }
  /** `answeredAt`: when the call was answered, by this browser's clock (from the server's record once known). */
  | { kind: 'call'; callID: string; peer: Peer; meeting: MeetInfo; answeredAt: number; creator: boolean; callType: CallType }
  | { kind: 'room'; meeting: MeetInfo };

export type PhoneEvents = {
  state: [PhoneState];
  /** Something to tell the user on the home screen (null clears it). */
  notice: [Msg | null];
  /** A meeting's media started: views attach to it. `members`: who was there, with names. */
  media: [{ room: MediaRoom; local: LocalMedia; members: Member[] }];
  /** A call ended or a room was left: the history may have changed. */
  ended: [];
  /** The people added to the current call by this page, and how each invitation stands. */
  added: [Added[]];
};

export class Phone extends TypedEmitter<PhoneEvents> {
  state: PhoneState = { kind: 'idle' };
  local: LocalMedia | null = null;
  room: MediaRoom | null = null;
  private meetingID: number | null = null;
  /** Meetings this page created for its calls, destroyed when the call ends. */
  private ownMeeting: number | null = null;
  private readonly offs: (() => void)[] = [];
  /**
   * In a call: this page's open calls with the people in it, by callID (the first, and one for
   * each person added here or who added this page). The call screen stays while any is open or
   * anyone is left in the meeting whose own call with this page has not ended.
   */
  private readonly legs = new Map<string, Peer>();
  /** People whose call with this page ended while the meeting went on. */
  private readonly departed = new Set<string>();
  /** The people this page added to the call, in order. */
  private added: Added[] = [];

  constructor(
    private readonly client: CallClient,
    private readonly tones: Tones,
    private readonly me: Peer,
  ) {
    super((err) => console.error('callroom page: a listener failed', err));
    this.offs.push(
      client.on('call.incoming', (e) => this.onIncoming(e)),
      client.on('call.accepted', (e) => void this.onAccepted(e)),
      client.on('call.rejected', (e) => this.onRejected(e)),
      client.on('call.hungup', (e) => this.onHungup(e)),
      client.on('meeting.memberLeft', (e) => this.onMemberLeft(e.meetingID, e.userID)),
      client.on('meeting.stopped', (e) => {
        if (e.meetingID === this.meetingID && this.state.kind === 'room') this.finish(msg('outRoomStopped'));
      }),
    );
  }

  /** Whether the phone is in this state now (a method, so that TypeScript does not narrow across awaits). */
  is(kind: PhoneState['kind']): boolean {
    return this.state.kind === kind;
  }

  private set(s: PhoneState): void {
    if (s.kind === 'call') this.legs.set(s.callID, s.peer);
    else if (this.legs.size > 0 || this.added.length > 0 || this.departed.size > 0) {
      this.legs.clear();
      this.departed.clear();
      this.setAdded([]);
    }
    this.state = s;
    this.emit('state', s);
  }

  private setAdded(list: Added[]): void {
    this.added = list;
    this.emit('added', list);
  }

  private updateAdded(callID: string, change: Partial<Added>): void {
    this.setAdded(this.added.map((a) => (a.callID === callID ? { ...a, ...change } : a)));
  }

  /** The others in the meeting whose call with this page has not ended. */
  private othersLeft(): string[] {
    return (this.room?.peers ?? []).filter((u) => !this.departed.has(u) || [...this.legs.values()].some((p) => p.userID === u));
  }

  /** Whether the call goes on without the leg just ended: another open, ringing, or someone still here. */
  private goesOn(): boolean {
    return this.legs.size > 0 || this.added.some((a) => a.state === 'ringing') || this.othersLeft().length > 0;
  }

  /**
   * One of this page's calls ended while in a call: forget it; if another is left, the screen
   * follows that one (title, a reload); if nobody is left, the caller ends the call screen.
   */
  private legEnded(callID: string): boolean {
    const peer = this.legs.get(callID);
    if (!peer) return false;
    this.legs.delete(callID);
    this.departed.add(peer.userID);
    // A person this page added who has left is no longer listed as joined.
    if (this.added.some((a) => a.callID === callID)) this.setAdded(this.added.filter((a) => a.callID !== callID));
    const s = this.state;
    if (s.kind === 'call' && s.callID === callID) {
      const [next] = this.legs.entries();
      if (next) {
        this.state = { ...s, callID: next[0], peer: next[1] };
        this.emit('state', this.state);
      }
    }
    return true;
  }

  /**
   * Calls another person into the current call (the same meeting, the same call type): a call of its own, shown as
   * ringing until they answer, decline or cannot come.
   */
  async addPerson(userID: string): Promise<void> {
    const s = this.state;
    const id = userID.trim();
    if (s.kind !== 'call' || !id) return;
    const callID = newCallID();
    const peer = { userID: id, nickName: id };
    this.setAdded([...this.added.filter((a) => a.peer.userID !== id), { callID, peer, state: 'ringing' }]);
    try {
      await this.client.call(id, s.meeting, { callID, callType: s.callType });
    } catch (err) {
      const e = err instanceof CallroomError ? err : new CallroomError('UNKNOWN', String(err));
      let dnd = false;
      if (e.code === 602) dnd = (await this.client.getStatus([id]).catch(() => []))[0]?.dnd ?? false;
      this.updateAdded(callID, { state: 'failed', why: inviteFailure(e.code, id, e.message, dnd) });
    }
  }

  /** Withdraws an invitation still ringing, or clears a failed one from the list. */
  async cancelAdd(callID: string): Promise<void> {
    const a = this.added.find((x) => x.callID === callID);
    if (!a) return;
    this.setAdded(this.added.filter((x) => x.callID !== callID));
    if (a.state === 'ringing') await this.surely(() => this.client.hangup(callID)).catch(() => undefined);
  }

  /**
   * Sends a request that has to reach the server (a hang-up, leaving a meeting), never failing:
   * if the connection is down just now, it goes again once the session has resumed (a new
   * session has no call or meeting left to end).
   */
  private surely(send: () => Promise<unknown>): Promise<void> {
    const c = this.client;
    return send().then(
      () => undefined,
      () => {
        if (c.state !== 'reconnecting') return;
        return new Promise<void>((done) => {
          const offs = [
            c.on('reconnected', ({ resumed }) => {
              for (const off of offs) off();
              if (resumed) void send().catch(() => undefined).finally(done);
              else done();
            }),
            c.on('closed', () => {
              for (const off of offs) off();
              done();
            }),
          ];
        });
      },
    );
  }

  private notice(m: Msg | null): void {
    this.noticeSeq++;
    this.emit('notice', m);
  }
  /** Counts notices, so that a correction of one (its duration from the record) never replaces a later one. */
  private noticeSeq = 0;

  // ---- the call record: the server's times ----
  /** The current call's answeredAt by the server's clock, once known. */
  private answeredAtServer: number | null = null;

  /** A server timestamp on this browser's clock. */
  private toLocal(serverTs: number): number {
    return serverTs - (this.client.serverNow() - Date.now());
  }

  private async record(callID: string): Promise<CallRecord | undefined> {
    const calls = await this.client.listCalls({ limit: 20 }).catch(() => null);
    return calls?.find((c) => c.callID === callID);
  }

  /**
   * Takes the answer time from the call's record, so that the duration shown on both sides is the
   * record's (not the time each side happened to learn of the answer, which a blip can delay).
   */
  private async syncAnsweredAt(callID: string): Promise<void> {
    const rec = await this.record(callID);
    const s = this.state;
    if (!rec || rec.answeredAt === null || s.kind !== 'call' || s.callID !== callID) return;
    this.answeredAtServer = rec.answeredAt;
    this.set({ ...s, answeredAt: this.toLocal(rec.answeredAt) });
  }

  /** Replaces the end notice just shown with one that has the call record's duration (endedAt − answeredAt). */
  private async recordDuration(callID: string, make: (duration: string) => Msg): Promise<void> {
    const seq = this.noticeSeq;
    const rec = await this.record(callID);
    if (seq !== this.noticeSeq || !rec || rec.answeredAt === null || rec.endedAt === null) return;
    this.notice(make(formatDuration(rec.endedAt - rec.answeredAt)));
  }

  /** What a reload needs to carry on this call: null if there is no call in progress. */
  savedCall(): SavedCall | null {
    const s = this.state;
    if (s.kind !== 'call') return null;
    const answeredAt = this.answeredAtServer ?? Math.round(s.answeredAt + (this.client.serverNow() - Date.now()));
    const l = this.local;
    // Until the devices have answered, what the call type opens.
    const devices = l && (l.audio !== 'none' || l.video !== 'none') ? { mic: l.audio === 'on', camera: l.video === 'on' } : undefined;
    return { callID: s.callID, peer: s.peer, meeting: s.meeting, answeredAt, creator: s.creator, callType: s.callType, ...(devices ? { devices } : {}) };
  }

  /** The room this page is in (not a call's meeting), for a reload. */
  savedRoom(): MeetInfo | null {
    return this.state.kind === 'room' ? (this.roomMeeting ?? this.state.meeting) : null;
  }

  /**
   * After a reload: carry on the call the page was in. `resumed`: the session carried on (else the
   * server had let it go and the call ended as lost). The call records say what is still on: the
   * saved call, and the calls of people added to it (this page's calls in the same meeting). If
   * the saved one ended while the page was away, the call goes on with the others; if none is on,
   * the page says how it ended. Otherwise the page leaves and enters its meeting again (the
   * session is still in it, with the media of the page before the reload), so that the others
   * link to this page afresh.
   */
  async restoreCall(c: SavedCall, resumed: boolean): Promise<void> {
    if (this.state.kind !== 'idle') return;
    if (!resumed) return this.notice(msg('outLost', { name: c.peer.nickName }));
    // The records before the call screen: an end replayed meanwhile finds the page idle and
    // changes nothing, and the screen then starts with every call still on.
    const calls = (await this.client.listCalls({ limit: 20 }).catch(() => null)) ?? [];
    if (this.state.kind !== 'idle') return;
    this.ownMeeting = c.creator ? c.meeting.ID : null;
    const on = calls.filter((o) => o.state === 'active' && o.meetingID === c.meeting.ID);
    const first = on.find((o) => o.callID === c.callID) ?? on[0];
    if (!first) {
      // It ended while the page reloaded (its event came before this page listened).
      const rec = calls.find((o) => o.callID === c.callID);
      const name = c.peer.nickName;
      const lasted = rec?.endedAt != null && rec.answeredAt !== null ? formatDuration(rec.endedAt - rec.answeredAt) : null;
      return this.finish(rec?.outcome === 'completed' && lasted !== null ? msg('outHungUpByOther', { name, duration: lasted }) : msg('outLost', { name }));
    }
    const peerOf = (o: CallRecord): Peer => {
      const u = o.caller === this.me.userID ? o.callee : o.caller;
      return u === c.peer.userID ? c.peer : { userID: u, nickName: u };
    };
    // The duration runs from the saved call's answer (the record's, when that call is still on).
    const answeredAt = first.callID === c.callID && first.answeredAt !== null ? first.answeredAt : c.answeredAt;
    this.answeredAtServer = answeredAt;
    const callType = c.callType ?? 'video';
    this.set({ kind: 'call', callID: first.callID, peer: peerOf(first), meeting: c.meeting, answeredAt: this.toLocal(answeredAt), creator: c.creator, callType });
    for (const o of on) if (o !== first) this.legs.set(o.callID, peerOf(o));
    const still = () => this.state.kind === 'call' && this.state.meeting.ID === c.meeting.ID;
    void this.startLocal(callType, c.devices);
    await this.client.exitMeeting(c.meeting.ID).catch(() => undefined);
    if (!still()) return;
    await this.joinMedia(c.meeting.ID, undefined, still);
  }

  /** After a reload: enter again the room the page was in (the resumed session may still be in it). */
  async restoreRoom(m: MeetInfo, resumed: boolean): Promise<void> {
    if (this.state.kind !== 'idle') return;
    if (resumed) await this.client.exitMeeting(m.ID).catch(() => undefined);
    await this.joinRoom(m.ID, m.pswd, m);
  }

  // ---- calling out ----
  /** Calls `userID`: a video call, or with `callType` 'audio' one that opens the microphone only. */
  async call(userID: string, nickName = userID, callType: CallType = 'video'): Promise<void> {
    const id = userID.trim();
    if (!id) return;
    if (this.state.kind === 'room') await this.leaveRoom(false);
    if (this.state.kind !== 'idle') return;
    this.tones.unlock();
    const callID = newCallID();
    const peer = { userID: id, nickName };
    this.notice(null);
    this.set({ kind: 'outgoing', callID, peer, invited: false, callType });
    void this.startLocal(callType);
    const still = () => this.state.kind === 'outgoing' && this.state.callID === callID;
    let meeting: MeetInfo;
    try {
      meeting = await this.client.createMeeting({ subject: `${this.me.userID} → ${id}` });
      this.ownMeeting = meeting.ID;
      if (!still()) return this.dropOwnMeeting();
      await this.client.call(id, meeting, { callID, callType });
    } catch (err) {
      if (!still()) return;
      const e = err instanceof CallroomError ? err : new CallroomError('UNKNOWN', String(err));
      let dnd = false;
      if (e.code === 602) dnd = (await this.client.getStatus([id]).catch(() => []))[0]?.dnd ?? false;
      return this.finish(inviteFailure(e.code, id, e.message, dnd));
    }
    if (!still()) {
      // Cancelled while the invitation was on its way: cancel it on the server too.
      await this.surely(() => this.client.hangup(callID));
      return;
    }
    this.set({ kind: 'outgoing', callID, peer, invited: true, callType });
    this.tones.play('ringback');
  }

  /** Cancel while ringing, or hang up a call in progress. */
  async hangup(): Promise<void> {
    const s = this.state;
    if (s.kind === 'outgoing') {
      const sent = s.invited ? this.surely(() => this.client.hangup(s.callID)) : null;
      this.finish(msg('outCancelledByMe'), false);
      await sent;
      this.emit('ended');
      return;
    }
    if (s.kind === 'call') {
      const duration = formatDuration(Date.now() - s.answeredAt);
      // Every call of this page in the meeting ends (invitations still ringing are cancelled).
      const ids = [...this.legs.keys(), ...this.added.filter((a) => a.state === 'ringing').map((a) => a.callID)];
      const sent = Promise.all(ids.map((id) => this.surely(() => this.client.hangup(id))));
      this.finish(msg('outHungUpByMe', { duration }), false);
      await sent;
      await this.recordDuration(s.callID, (d) => msg('outHungUpByMe', { duration: d }));
      this.emit('ended');
      return;
    }
    if (s.kind === 'room') await this.leaveRoom(true);
  }

  private async onAccepted(e: EventPayload<'call.accepted'>): Promise<void> {
    const s = this.state;
    const add = this.added.find((a) => a.callID === e.callID && a.state === 'ringing');
    if (s.kind === 'call' && add) {
      this.legs.set(e.callID, add.peer);
      this.departed.delete(add.peer.userID);
      this.updateAdded(e.callID, { state: 'joined' });
      return;
    }
    if (s.kind !== 'outgoing' || s.callID !== e.callID) return;
    this.tones.stop();
    this.set({ kind: 'call', callID: s.callID, peer: s.peer, meeting: e.meeting, answeredAt: Date.now(), creator: true, callType: s.callType });
    void this.syncAnsweredAt(s.callID);
    await this.joinMedia(e.meeting.ID, undefined, () => this.state.kind === 'call' && this.state.callID === e.callID);
  }

  private onRejected(e: EventPayload<'call.rejected'>): void {
    const s = this.state;
    const add = this.added.find((a) => a.callID === e.callID && a.state === 'ringing');
    if (s.kind === 'call' && add) {
      this.updateAdded(e.callID, { state: 'failed', why: rejectedNotice(e.code, add.peer.nickName) });
      if (!this.goesOn()) this.finish(msg('outHungUpByMe', { duration: formatDuration(Date.now() - s.answeredAt) }));
      return;
    }
    if (s.kind !== 'outgoing' || s.callID !== e.callID) return;
    this.finish(rejectedNotice(e.code, s.peer.nickName));
  }

  // ---- being called ----
  private onIncoming(e: EventPayload<'call.incoming'>): void {
    const now = this.state;
    if (now.kind !== 'idle' && now.kind !== 'room') {
      // This call, already taken (an event replayed after a reload): nothing to do.
      if ('callID' in now && now.callID === e.callID) return;
      // The server does not ring a busy user; if it happens anyway, say no.
      void this.client.reject(e.callID).catch(() => undefined);
      return;
    }
    this.notice(null);
    // A server older than call types names none: its calls are video calls.
    const callType = e.callType ?? 'video';
    this.set({ kind: 'incoming', callID: e.callID, peer: { userID: e.caller.userID, nickName: e.caller.nickName || e.caller.userID }, meeting: e.meeting, callType });
    this.tones.play('ringtone');
  }

  async accept(): Promise<void> {
    const s = this.state;
    if (s.kind !== 'incoming') return;
    this.tones.stop();
    this.tones.unlock();
    if (this.meetingID !== null) await this.leaveRoom(false, true);
    this.set({ kind: 'call', callID: s.callID, peer: s.peer, meeting: s.meeting, answeredAt: Date.now(), creator: false, callType: s.callType });
    const still = () => this.state.kind === 'call' && this.state.callID === s.callID;
    void this.startLocal(s.callType);
    try {
      await this.client.accept(s.callID);
    } catch (err) {
      if (still()) this.finish(msg('outCancelledByCaller', { name: s.peer.nickName }));
      return;
    }
    void this.syncAnsweredAt(s.callID);
    await this.joinMedia(s.meeting.ID, undefined, still);
  }

  async reject(): Promise<void> {
    const s = this.state;
    if (s.kind !== 'incoming') return;
    this.tones.stop();
    this.set(this.meetingID !== null && this.room ? { kind: 'room', meeting: this.roomMeeting! } : { kind: 'idle' });
    this.notice(msg('outRejectedByMe', { name: s.peer.nickName }));
    await this.client.reject(s.callID).catch(() => undefined);
    this.emit('ended');
  }

  private onHungup(e: EventPayload<'call.hungup'>): void {
    const s = this.state;
    // One call of several: its person leaves; the call screen goes on while anyone is left.
    if (s.kind === 'call' && this.legs.size > 1 && this.legEnded(e.callID)) return;
    if (s.kind === 'call' && s.callID === e.callID && this.legEnded(e.callID)) {
      if (this.goesOn()) return;
    }
    if ((s.kind === 'incoming' || s.kind === 'call' || s.kind === 'outgoing') && s.callID === e.callID) {
      if (s.kind === 'incoming') {
        this.tones.stop();
        this.set(this.meetingID !== null && this.roomMeeting ? { kind: 'room', meeting: this.roomMeeting } : { kind: 'idle' });
        this.notice(ringingEndedNotice(e.reason, s.peer.nickName));
        this.emit('ended');
        return;
      }
      if (s.kind === 'call') {
        const duration = formatDuration(Date.now() - s.answeredAt);
        const name = s.peer.nickName;
        this.finish(e.reason === 'lost' ? msg('outLost', { name }) : msg('outHungUpByOther', { name, duration }));
        if (e.reason !== 'lost') void this.recordDuration(s.callID, (d) => msg('outHungUpByOther', { name, duration: d }));
        return;
      }
      this.finish(msg('outLost', { name: s.peer.nickName }));
    }
  }

  /**
   * The other party left the meeting without hanging up (their SDK called ExitMeeting, say).
   * Their hang-up usually arrives at once; if it does not, end the call from this side.
   */
  private onMemberLeft(meetingID: number, userID: string): void {
    const s = this.state;
    if (s.kind !== 'call' || meetingID !== this.meetingID) return;
    const mine = [...this.legs.entries()].find(([, p]) => p.userID === userID);
    const name = mine?.[1].nickName ?? userID;
    setTimeout(() => {
      const now = this.state;
      if (now.kind !== 'call' || now.meeting.ID !== meetingID) return;
      // Back in the meeting meanwhile (a page reloaded mid-call leaves and enters again).
      if (this.room?.peers.includes(userID)) return;
      const open = mine && this.legs.has(mine[0]) ? mine[0] : null;
      const sent = open ? this.surely(() => this.client.hangup(open)) : Promise.resolve();
      if (open) this.legEnded(open);
      if (this.goesOn()) return;
      this.finish(msg('outPeerLeft', { name, duration: formatDuration(Date.now() - now.answeredAt) }), false);
      void sent.then(() => this.emit('ended'));
    }, PEER_LEFT_GRACE_MS);
  }

  /**
   * The client came back with a new session (the server had let the old one go, or restarted).
   * By the contract the old session left its meeting and its call ended as lost, with no event
   * to this session; a call restored after a restart carries on. So ask the server what became
   * of the call rather than guess; a room is entered again.
   */
  async resync(): Promise<void> {
    const s = this.state;
    if (s.kind === 'room') {
      const m = this.roomMeeting ?? s.meeting;
      this.stopMedia();
      this.roomMeeting = null;
      this.set({ kind: 'idle' });
      await this.joinRoom(m.ID, m.pswd, m);
      return;
    }
    if (s.kind === 'idle') return;
    const calls = await this.client.listCalls({ limit: 20 }).catch(() => null);
    if (this.state !== s) return; // the events held for this session moved it on meanwhile
    const record = calls?.find((c) => c.callID === s.callID);
    if (record && record.state !== 'ended') return;
    this.finish(msg('outLost', { name: s.peer.nickName }));
  }

  // ---- rooms joined by link ----
  private roomMeeting: MeetInfo | null = null;

  /** Creates a room and enters it; others join with its link. */
  async newRoom(): Promise<void> {
    if (this.state.kind !== 'idle') return;
    this.tones.unlock();
    try {
      const m = await this.client.createMeeting({ subject: `${this.me.nickName}'s room` });
      await this.joinRoom(m.ID, m.pswd, m);
    } catch (err) {
      this.notice(msg('outError', { message: (err as Error).message }));
    }
  }

  async joinRoom(meetingID: number, pswd?: string, known?: MeetInfo): Promise<boolean> {
    if (this.state.kind !== 'idle') return false;
    this.tones.unlock();
    this.notice(null);
    void this.startLocal();
    const placeholder: MeetInfo = known ?? { ID: meetingID, pswd: pswd ?? '', subject: '', pubMeetUrl: '', creator: '', memberCount: 0, startTime: 0 };
    this.roomMeeting = placeholder;
    this.set({ kind: 'room', meeting: placeholder });
    const meeting = await this.joinMedia(meetingID, pswd || undefined, () => this.state.kind === 'room');
    if (!meeting) return false;
    // The server's record does not always carry the password the user typed; the link needs it.
    const full = { ...meeting, pswd: meeting.pswd || pswd || '' };
    this.roomMeeting = full;
    if (this.is('room')) this.set({ kind: 'room', meeting: full });
    return true;
  }

  async leaveRoom(tell = true, keepState = false): Promise<void> {
    if (this.meetingID === null && this.state.kind !== 'room') return;
    const id = this.meetingID;
    this.stopMedia();
    // Sent first (requests keep their order); while the connection is down it waits for the
    // resume, so the page moves on at once.
    const sent = id !== null ? this.surely(() => this.client.exitMeeting(id)) : undefined;
    this.roomMeeting = null;
    if (!keepState) {
      this.set({ kind: 'idle' });
      if (tell) this.notice(msg('outRoomLeft'));
    }
    if (this.client.state === 'connected') await sent;
  }

  // ---- media ----
  /**
   * Opens this device's microphone and, but for an audio call, its camera (the camera button opens
   * it later: the room sends it as soon as it opens). Once per call or room: later calls of it
   * (joinMedia) wait for the same start.
   */
  private startLocal(callType: CallType = 'video', was?: SavedDevices): Promise<unknown> {
    if (!this.local) {
      const chosen = chosenDevices();
      const local = new LocalMedia({ deviceIds: { ...(chosen.audioinput ? { audio: chosen.audioinput } : {}), ...(chosen.videoinput ? { video: chosen.videoinput } : {}) } });
      this.local = local;
      // After a reload (`was`): the camera opens only if it was on, and a muted microphone stays muted.
      const started = local.start({ audio: true, video: was ? was.camera : callType === 'video' });
      this.localReady = was && !was.mic ? started.then(() => local.setMicEnabled(false)) : started;
    }
    return this.localReady;
  }
  private localReady: Promise<unknown> = Promise.resolve();

  /**
   * Enters the meeting and connects its media: the room listens before the enter request goes
   * out, so no signal from a member already inside is missed. Returns the meeting, or null.
   */
  private async joinMedia(meetingID: number, pswd: string | undefined, still: () => boolean): Promise<MeetInfo | null> {
    let ice: { iceServers: IceServer[]; iceTransportPolicy: IceTransportPolicy } = { iceServers: [], iceTransportPolicy: 'all' };
    try {
      [ice] = await Promise.all([this.client.getIceConfig().catch(() => ice), this.startLocal(this.state.kind === 'call' ? this.state.callType : 'video')]);
    } catch {
      /* media problems are shown by the view; the call goes on */
    }
    if (!still()) return null;
    const local = this.local!;
    this.stopRoom();
    const room = new MediaRoom({ client: this.client, meetingID, selfID: this.me.userID, local, ...ice });
    this.room = room;
    this.meetingID = meetingID;
    try {
      const r = await this.client.enterMeeting(meetingID, pswd);
      if (!still() || this.room !== room) {
        await this.client.exitMeeting(meetingID).catch(() => undefined);
        return null;
      }
      this.emit('media', { room, local, members: r.members });
      room.start(r.members);
      return r.meeting;
    } catch (err) {
      if (this.room === room) this.stopRoom();
      this.meetingID = null;
      if (!still()) return null;
      const code = err instanceof CallroomError ? err.code : 0;
      this.finish(code === 801 ? msg('outWrongPassword') : code === 800 ? msg('outRoomGone') : msg('outError', { message: (err as Error).message }));
      return null;
    }
  }

  private stopRoom(): void {
    this.room?.close();
    this.room = null;
  }

  private stopMedia(): void {
    this.stopRoom();
    this.meetingID = null;
    this.local?.stop();
    this.local = null;
  }

  private dropOwnMeeting(): void {
    const id = this.ownMeeting;
    this.ownMeeting = null;
    if (id !== null) void this.client.destroyMeeting(id).catch(() => undefined);
  }

  /** Back to idle with a notice: stops tones, leaves the meeting, frees the devices. */
  private finish(notice: Msg | null, ended = true): void {
    this.tones.stop();
    this.answeredAtServer = null;
    const id = this.meetingID;
    this.stopMedia();
    this.roomMeeting = null;
    if (id !== null) void this.surely(() => this.client.exitMeeting(id)).finally(() => this.dropOwnMeeting());
    else this.dropOwnMeeting();
    this.set({ kind: 'idle' });
    this.notice(notice);
    if (ended) this.emit('ended');
  }

  /** The session ended (logout, kicked, connection lost). */
  dispose(): void {
    this.tones.stop();
    this.stopMedia();
    for (const off of this.offs) off();
    this.removeAll();
  }
}
