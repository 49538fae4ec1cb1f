/**
 * Wire protocol v1: every message that crosses the socket, as runtime schemas with the
 * TypeScript types derived from them. Client → server frames are requests `{id, op, ...}`;
 * server → client frames are responses `{id, ok, ...}` and events `{ev, seq, ...}`.
 * docs/protocol.md is the written spec with an example of each.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { QueueEvents, QueueRequestProps, type QueueResults } from './queues.js';

// ---------- limits ----------
export const Limits = {
  userID: 128,
  nickName: 128,
  usrExtDat: 4096,
  callID: 64,
  pswd: 64,
  subject: 200,
  text: 4096,
  /** A `meeting.data` payload (the facade's SendCmd data and SendIMmsg text), in characters. */
  data: 16384,
  sdp: 32768,
  statusQuery: 1000,
  callListMax: 200,
  /** Frames larger than this get a FRAME_TOO_LARGE error response. */
  frameBytes: 64 * 1024,
} as const;

// ---------- building blocks ----------
/**
 * Characters a user ID or a nickname may not hold: C0 and C1 controls, DEL, the bidi controls
 * (U+061C, U+200E/F, U+202A–E, U+2066–9), zero-width and invisible characters (U+200B–D, U+2060–4,
 * U+FEFF, U+180E, soft hyphen U+00AD) and the line/paragraph separators U+2028/9. Any of them lets one
 * name look like another on screen ("alice" vs "al\u200bice", or text reversed by U+202E).
 */
export const UNSAFE_NAME_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff';
const SafeText = `^[^${UNSAFE_NAME_CHARS}]*$`;
const unsafeChar = new RegExp(`[${UNSAFE_NAME_CHARS}]`);
const unsafeChars = new RegExp(`[${UNSAFE_NAME_CHARS}]`, 'g');
/** Whether `v` is a valid user ID: a string of 1–128 characters with none of UNSAFE_NAME_CHARS. */
export function isUserID(v: unknown): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= Limits.userID && !unsafeChar.test(v);
}
/** A nickname made safe to show: unsafe characters removed, cut to the nickname limit. */
export function cleanNickName(v: string): string {
  return v.replace(unsafeChars, '').slice(0, Limits.nickName);
}
export const UserID = Type.String({ minLength: 1, maxLength: Limits.userID, pattern: SafeText });
export const NickName = Type.String({ maxLength: Limits.nickName, pattern: SafeText });
export const CallID = Type.String({ minLength: 1, maxLength: Limits.callID, pattern: '^[A-Za-z0-9_.:-]+$' });
export const MeetingID = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
export const UsrExtDat = Type.String({ maxLength: Limits.usrExtDat });
export const Pswd = Type.String({ maxLength: Limits.pswd });
export const RequestID = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** The reference SDK's `MeetInfoObj`. */
export const MeetInfo = Type.Object({
  ID: MeetingID,
  pswd: Type.String(),
  subject: Type.String(),
  pubMeetUrl: Type.String(),
  creator: Type.String(),
  memberCount: Type.Integer({ minimum: 0 }),
  startTime: Type.Integer({ minimum: 0 }),
});
export type MeetInfo = Static<typeof MeetInfo>;

export const Member = Type.Object({ userID: Type.String(), nickName: Type.String() });
export type Member = Static<typeof Member>;

/** 0 offline, 1 online and idle, 2 in a call, 3 in a meeting. */
export const UserStatusValue = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)]);
export type UserStatusValue = Static<typeof UserStatusValue>;
export const UserStatus = Type.Object({ userID: Type.String(), status: UserStatusValue, dnd: Type.Boolean() });
export type UserStatus = Static<typeof UserStatus>;

export const CallOutcome = Type.Union([
  Type.Literal('completed'),
  Type.Literal('rejected'),
  Type.Literal('cancelled'),
  Type.Literal('no_answer'),
  Type.Literal('lost'),
]);
export type CallOutcome = Static<typeof CallOutcome>;

export const CallState = Type.Union([Type.Literal('ringing'), Type.Literal('active'), Type.Literal('ended')]);
export type CallState = Static<typeof CallState>;

/**
 * Whether the media of an answered call connected, as its parties report it (`call.media`):
 * 'connected' once media flowed, 'failed' when a party's client gave up on it. See rules/call-media.ts.
 */
export const CallMedia = Type.Union([Type.Literal('connected'), Type.Literal('failed')]);
export type CallMedia = Static<typeof CallMedia>;

/**
 * What a call starts with: 'video' (camera and microphone, the default) or 'audio' (the
 * microphone only; either party may turn the camera on during the call).
 */
export const CallType = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
export type CallType = Static<typeof CallType>;
/** The type of a call whose invite named none, and of records stored before calls had a type. */
export const DEFAULT_CALL_TYPE: CallType = 'video';
/** A stored call type read back: 'audio' or 'video'; anything else (a record older than call types) is video. */
export function readCallType(v: unknown): CallType {
  return v === 'audio' || v === 'video' ? v : DEFAULT_CALL_TYPE;
}

/** A call record (CDR). Times are milliseconds since the epoch. */
export const CallRecord = Type.Object({
  callID: Type.String(),
  caller: Type.String(),
  callee: Type.String(),
  meetingID: Type.Integer(),
  state: CallState,
  createdAt: Type.Integer(),
  answeredAt: Type.Union([Type.Integer(), Type.Null()]),
  endedAt: Type.Union([Type.Integer(), Type.Null()]),
  outcome: Type.Union([CallOutcome, Type.Null()]),
  endedBy: Type.Union([Type.String(), Type.Null()]),
  /** What the call started with (the invite's `callType`); records older than call types read as 'video'. */
  callType: CallType,
  /** Set on a call an agent placed to the customer a queue gave them: the queue, how long the customer waited, the agent. */
  queue: Type.Optional(Type.Object({ queID: Type.Integer(), waitedMs: Type.Integer(), agent: Type.String() })),
  /** Whether media connected, once a party said so (`call.media`); absent when no party reported. */
  media: Type.Optional(CallMedia),
});
export type CallRecord = Static<typeof CallRecord>;

/** Signal payloads are closed: no property beyond these, so nothing nested rides along. */
export const SessionDescription = Type.Object({
  type: Type.Union([Type.Literal('offer'), Type.Literal('answer'), Type.Literal('pranswer'), Type.Literal('rollback')]),
  sdp: Type.Optional(Type.String({ maxLength: Limits.sdp })),
}, { additionalProperties: false });
export const IceCandidate = Type.Object({
  candidate: Type.String({ maxLength: 2048 }),
  sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1024 }), Type.Null()])),
  usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
}, { additionalProperties: false });
export const SignalKind = Type.Union([Type.Literal('offer'), Type.Literal('answer'), Type.Literal('candidate')]);
export type SignalKind = Static<typeof SignalKind>;
export const SignalPayload = Type.Union([SessionDescription, IceCandidate, Type.Null()]);
export type SignalPayload = Static<typeof SignalPayload>;

/** What a `meeting.data` carries: a command (the facade's SendCmd) or an instant message (SendIMmsg). */
export const DataKind = Type.Union([Type.Literal('cmd'), Type.Literal('im')]);
export type DataKind = Static<typeof DataKind>;

/**
 * The state of a member's microphone or camera, numbered as the reference SDK's ASTATUS /
 * VSTATUS: 0 unknown, 1 no device (missing or refused), 2 closed, 3 open, 4 opening.
 */
export const DeviceStatus = Type.Integer({ minimum: 0, maximum: 4 });
/** What a member sends: microphone, camera, and whether it shares its screen. */
export const MemberMedia = Type.Object(
  { audio: DeviceStatus, video: DeviceStatus, screen: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type MemberMedia = Static<typeof MemberMedia>;

/**
 * One ICE server for RTCPeerConnection (the browser's RTCIceServer): STUN and TURN URLs, and
 * for TURN the credentials (short-lived ones when the server has a TURN secret).
 */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** RTCConfiguration.iceTransportPolicy: 'relay' uses TURN relays only (the operator's --ice-relay-only). */
export type IceTransportPolicy = 'all' | 'relay';

// ---------- requests (client → server) ----------
function req<Op extends string, P extends Record<string, TSchema>>(op: Op, props: P) {
  return Type.Object({ id: RequestID, op: Type.Literal(op), ...props }, { additionalProperties: false });
}

export const Requests = {
  login: req('login', {
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    appID: Type.Optional(Type.String({ maxLength: 256 })),
    appSecret: Type.Optional(Type.String({ maxLength: 256 })),
    userID: Type.Optional(UserID),
    nickName: Type.Optional(NickName),
    userAuthCode: Type.Optional(Type.String({ maxLength: 4096 })),
    protocol: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    sdk: Type.Optional(Type.String({ maxLength: 128 })),
    /** Resume an earlier session after a dropped connection (within the grace period). */
    resume: Type.Optional(
      Type.Object(
        { sessionID: Type.String({ minLength: 1, maxLength: 64 }), lastSeq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) },
        { additionalProperties: false },
      ),
    ),
  }),
  logout: req('logout', {}),
  /** Keep-alive; `ack` tells the server the last event seq received, so it can forget older ones. */
  ping: req('ping', { ack: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })) }),
  'token.update': req('token.update', { token: Type.String({ minLength: 1, maxLength: 8192 }) }),
  'meeting.create': req('meeting.create', {
    subject: Type.Optional(Type.String({ maxLength: Limits.subject })),
    pswd: Type.Optional(Type.String({ minLength: 1, maxLength: Limits.pswd })),
  }),
  'meeting.get': req('meeting.get', { meetingID: MeetingID }),
  'meeting.enter': req('meeting.enter', {
    meetingID: MeetingID,
    pswd: Type.Optional(Pswd),
  }),
  'meeting.exit': req('meeting.exit', { meetingID: Type.Optional(MeetingID) }),
  'meeting.destroy': req('meeting.destroy', { meetingID: MeetingID }),
  'meeting.signal': req('meeting.signal', {
    meetingID: MeetingID,
    to: UserID,
    kind: SignalKind,
    payload: SignalPayload,
  }),
  'meeting.message': req('meeting.message', {
    meetingID: MeetingID,
    text: Type.String({ minLength: 1, maxLength: Limits.text }),
  }),
  /** Data to one other member (`to`) or, without `to`, to every other member of the meeting. */
  'meeting.data': req('meeting.data', {
    meetingID: MeetingID,
    to: Type.Optional(UserID),
    kind: DataKind,
    data: Type.String({ maxLength: Limits.data }),
  }),
  /** Tells the other members the state of this member's microphone, camera and screen share. */
  'meeting.media': req('meeting.media', {
    meetingID: MeetingID,
    audio: DeviceStatus,
    video: DeviceStatus,
    screen: Type.Optional(Type.Boolean()),
  }),
  'call.invite': req('call.invite', {
    callID: CallID,
    callee: UserID,
    meetingID: MeetingID,
    pswd: Type.Optional(Pswd),
    usrExtDat: Type.Optional(UsrExtDat),
    /** 'audio': a call that starts with the microphone only. Default 'video'. */
    callType: Type.Optional(CallType),
  }),
  'call.accept': req('call.accept', { callID: CallID, usrExtDat: Type.Optional(UsrExtDat) }),
  'call.reject': req('call.reject', { callID: CallID, usrExtDat: Type.Optional(UsrExtDat) }),
  'call.hangup': req('call.hangup', { callID: CallID, usrExtDat: Type.Optional(UsrExtDat) }),
  /** A party of an active call says whether its media connected (the call record's `media`). */
  'call.media': req('call.media', { callID: CallID, media: CallMedia }),
  'dnd.set': req('dnd.set', { dnd: Type.Boolean() }),
  'status.get': req('status.get', {
    userIDs: Type.Optional(Type.Array(UserID, { maxItems: Limits.statusQuery })),
  }),
  'status.subscribe': req('status.subscribe', {}),
  'status.unsubscribe': req('status.unsubscribe', {}),
  'calls.list': req('calls.list', {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.callListMax })),
    before: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  /** The ICE servers to use for media, with fresh TURN credentials for this user. */
  'ice.servers': req('ice.servers', {}),
  /** The user's open call, if any (the facade's GetSessionInfo): what a client that lost its memory needs to re-enter. */
  'session.info': req('session.info', {}),
  'queue.list': req('queue.list', QueueRequestProps['queue.list']),
  'queue.status': req('queue.status', QueueRequestProps['queue.status']),
  'queue.join': req('queue.join', QueueRequestProps['queue.join']),
  'queue.leave': req('queue.leave', QueueRequestProps['queue.leave']),
  'queue.serve': req('queue.serve', QueueRequestProps['queue.serve']),
  'queue.unserve': req('queue.unserve', QueueRequestProps['queue.unserve']),
  'queue.next': req('queue.next', QueueRequestProps['queue.next']),
  'queue.accept': req('queue.accept', QueueRequestProps['queue.accept']),
  'queue.reject': req('queue.reject', QueueRequestProps['queue.reject']),
  'queue.mine': req('queue.mine', QueueRequestProps['queue.mine']),
} as const;

export type RequestSchemas = typeof Requests;
export type Op = keyof RequestSchemas;
export type Request<O extends Op = Op> = { [K in O]: Static<RequestSchemas[K]> }[O];
/** The fields of a request, without `id` and `op`. */
export type Params<O extends Op> = Omit<Static<RequestSchemas[O]>, 'id' | 'op'>;
export const OPS = Object.keys(Requests) as Op[];

/** The user's open call as `session.info` tells it. */
export interface SessionCall {
  callID: string;
  peerID: string;
  peerName: string;
  /** Whether the call was answered (active). */
  accepted: boolean;
  meetingID: number;
  meetingPswd: string;
  /** When the call was placed (ms, server time). */
  createdAt: number;
  answeredAt: number | null;
  /** Whether it is an audio or a video call (the record's callType). */
  callType: CallType;
}

// ---------- results (the `result` of an ok response) ----------
export interface Results extends QueueResults {
  login: {
    userID: string;
    nickName: string;
    sessionID: string;
    /** True when an earlier session was resumed: missed events follow, in order. */
    resumed: boolean;
    /** How long the server keeps a session whose connection dropped. */
    resumeGraceMs: number;
    protocol: number;
    serverTime: number;
    ringTimeoutMs: number;
    heartbeatMs: number;
    tokenExpiresAt: number | null;
    dnd: boolean;
  };
  logout: Record<string, never>;
  ping: { serverTime: number };
  'token.update': { tokenExpiresAt: number | null };
  'meeting.create': { meeting: MeetInfo };
  'meeting.get': { meeting: MeetInfo };
  'meeting.enter': { meeting: MeetInfo; members: Member[] };
  'meeting.exit': { meetingID: number };
  'meeting.destroy': { meetingID: number };
  'meeting.signal': Record<string, never>;
  'meeting.message': { ts: number };
  'meeting.data': { ts: number };
  'meeting.media': Record<string, never>;
  'call.invite': { callID: string; meeting: MeetInfo };
  'call.accept': { callID: string; meeting: MeetInfo };
  'call.reject': { callID: string };
  'call.hangup': { callID: string };
  /** `media`: what the record says now (a 'connected' is kept; see rules/call-media.ts). */
  'call.media': { callID: string; media: CallMedia };
  'dnd.set': { dnd: boolean };
  'status.get': { users: UserStatus[] };
  'status.subscribe': { users: UserStatus[] };
  'status.unsubscribe': Record<string, never>;
  'calls.list': { calls: CallRecord[] };
  /** `expiresAt`: when the TURN credentials stop working (ms), null when there are none. `iceTransportPolicy`: 'relay' with --ice-relay-only. */
  'ice.servers': { iceServers: IceServer[]; expiresAt: number | null; iceTransportPolicy: IceTransportPolicy };
  'session.info': { call: SessionCall | null };
}

export interface OkResponse<O extends Op = Op> {
  id: number;
  ok: true;
  result: Results[O];
}
export interface ErrorResponse {
  id: number | null;
  ok: false;
  code: number;
  name: string;
  message: string;
}
export type Response = OkResponse | ErrorResponse;

// ---------- events (server → client) ----------
export const Events = {
  'call.incoming': Type.Object({
    callID: Type.String(),
    caller: Member,
    meeting: MeetInfo,
    usrExtDat: Type.String(),
    /** The invite's call type: the ringing screen says "Audio call" or "Video call". */
    callType: CallType,
    /** Set on a call that waited for the callee to connect (--offline-ring): ms it rings yet. */
    ringsForMs: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  'call.accepted': Type.Object({ callID: Type.String(), meeting: MeetInfo, usrExtDat: Type.String() }),
  /** code: 606 rejected by the callee, 604 no answer, 603 callee lost while ringing. */
  'call.rejected': Type.Object({ callID: Type.String(), code: Type.Integer(), usrExtDat: Type.String() }),
  'call.hungup': Type.Object({
    callID: Type.String(),
    usrExtDat: Type.String(),
    reason: Type.Union([
      Type.Literal('hangup'),
      Type.Literal('cancelled'),
      Type.Literal('no_answer'),
      Type.Literal('lost'),
    ]),
  }),
  'meeting.memberJoined': Type.Object({ meetingID: Type.Integer(), member: Member }),
  'meeting.memberLeft': Type.Object({ meetingID: Type.Integer(), userID: Type.String() }),
  'meeting.stopped': Type.Object({ meetingID: Type.Integer() }),
  'meeting.signal': Type.Object({
    meetingID: Type.Integer(),
    from: Type.String(),
    kind: SignalKind,
    payload: SignalPayload,
  }),
  'meeting.message': Type.Object({
    meetingID: Type.Integer(),
    from: Type.String(),
    nickName: Type.String(),
    text: Type.String(),
    ts: Type.Integer(),
  }),
  /** Data from another member, to this member alone or to the whole meeting. */
  'meeting.data': Type.Object({
    meetingID: Type.Integer(),
    from: Type.String(),
    kind: DataKind,
    data: Type.String(),
    ts: Type.Integer(),
  }),
  /** Another member's microphone, camera and screen share (sent by that member's client). */
  'meeting.media': Type.Object({
    meetingID: Type.Integer(),
    userID: Type.String(),
    audio: DeviceStatus,
    video: DeviceStatus,
    screen: Type.Optional(Type.Boolean()),
  }),
  'user.status': UserStatus,
  /** The server is about to close this session: code 10 kicked, 18 token expired, 904 shutdown. */
  'session.closing': Type.Object({ code: Type.Integer(), name: Type.String(), message: Type.String() }),
  'session.tokenExpiring': Type.Object({ expiresAt: Type.Integer() }),
  ...QueueEvents,
} as const;

export type EventSchemas = typeof Events;
export type EventName = keyof EventSchemas;
export type EventPayload<E extends EventName> = Static<EventSchemas[E]>;
export type EventFrame<E extends EventName = EventName> = {
  [K in E]: { ev: K; seq: number } & EventPayload<K>;
}[E];
export const EVENT_NAMES = Object.keys(Events) as EventName[];
