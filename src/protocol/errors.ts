/**
 * Error codes. The numbers are the reference SDK's `sdkErr` values (see docs/protocol.md);
 * the 9xx range is callroom's own. Every failure on the wire and in the SDK carries one of these
 * numbers together with its stable name.
 */
export const ErrorCodes = {
  OK: 0,
  UNKNOWN: 1,
  UNKNOWN_OP: 4,
  BAD_ARGUMENT: 5,
  BAD_FRAME: 6,
  BAD_CREDENTIALS: 7,
  SERVER_ERROR: 8,
  ALREADY_LOGGED_IN: 9,
  KICKED: 10,
  NOT_LOGGED_IN: 12,
  TOKEN_EXPIRED: 18,
  TOKEN_INVALID: 21,
  CONNECTION_ERROR: 204,
  TIMEOUT: 205,
  QUE_ID_INVALID: 400,
  QUE_NOUSER: 401,
  QUE_USER_CANCELLED: 402,
  QUE_SERVICE_NOT_START: 403,
  ALREADY_OTHERQUE: 404,
  CALL_NOT_FOUND: 600,
  ALREADY_IN_CALL: 601,
  PEER_BUSY: 602,
  PEER_OFFLINE: 603,
  NO_ANSWER: 604,
  CALL_REJECTED: 606,
  MEETING_NOT_FOUND: 800,
  WRONG_PASSWORD: 801,
  ALREADY_IN_MEETING: 807,
  NOT_IN_MEETING: 817,
  RATE_LIMITED: 900,
  FRAME_TOO_LARGE: 901,
  TOO_MANY_CONNECTIONS: 902,
  LOGIN_TIMEOUT: 903,
  SERVER_SHUTDOWN: 904,
  FORBIDDEN_ORIGIN: 905,
  SLOW_CONSUMER: 906,
  LIMIT_REACHED: 907,
  NOT_SUPPORTED: 908,
  DEVICE_DENIED: 909,
  NO_DEVICE: 910,
} as const;

export type ErrorName = keyof typeof ErrorCodes;
export type ErrorCode = (typeof ErrorCodes)[ErrorName];

export const ErrorMessages: Record<ErrorName, string> = {
  OK: 'no error',
  UNKNOWN: 'unknown error',
  UNKNOWN_OP: 'unknown operation: check the op name against docs/protocol.md',
  BAD_ARGUMENT: 'bad argument',
  BAD_FRAME: 'malformed frame: send one JSON object per text frame, as docs/protocol.md describes',
  BAD_CREDENTIALS: 'wrong app ID or app secret',
  SERVER_ERROR: 'server error; try again',
  ALREADY_LOGGED_IN: 'this connection is already logged in',
  KICKED: 'logged in elsewhere: this session was closed',
  NOT_LOGGED_IN: 'log in first',
  TOKEN_EXPIRED: 'the token has expired: get a new one',
  TOKEN_INVALID: 'the token is not valid for this server',
  CONNECTION_ERROR: 'connection error',
  TIMEOUT: 'no response from the server in time',
  QUE_ID_INVALID: 'no such queue: check the queID against queue.list',
  QUE_NOUSER: 'nobody is waiting in the queues you serve',
  QUE_USER_CANCELLED: 'that customer is not (or no longer) offered to you: they stopped queuing, or the offer was withdrawn',
  QUE_SERVICE_NOT_START: 'you serve no queue (or not this one): start serving it first',
  ALREADY_OTHERQUE: 'you are already queuing in another queue: stop queuing there first',
  CALL_NOT_FOUND: 'no such call, or it has ended, or it is not yours',
  ALREADY_IN_CALL: 'you are already in a call',
  PEER_BUSY: 'the user is busy or does not want to be disturbed',
  PEER_OFFLINE: 'the user is not online',
  NO_ANSWER: 'nobody answered',
  CALL_REJECTED: 'the call was rejected',
  MEETING_NOT_FOUND: 'no such meeting, or you may not use it',
  WRONG_PASSWORD: 'wrong meeting password',
  ALREADY_IN_MEETING: 'already in this meeting',
  NOT_IN_MEETING: 'not in this meeting',
  RATE_LIMITED: 'too many requests: slow down',
  FRAME_TOO_LARGE: 'frame too large',
  TOO_MANY_CONNECTIONS: 'too many connections from this address',
  LOGIN_TIMEOUT: 'no login received in time',
  SERVER_SHUTDOWN: 'the server is shutting down: reconnect shortly',
  FORBIDDEN_ORIGIN: 'this page origin is not allowed to connect',
  SLOW_CONSUMER: 'the client is not reading its events: the connection was closed to protect the server',
  LIMIT_REACHED: 'a server limit was reached',
  NOT_SUPPORTED: 'callroom does not do this (cloud recording, whiteboards, net disk and media files are not part of it)',
  DEVICE_DENIED: 'the browser or the user refused the device (or the page is not https or localhost)',
  NO_DEVICE: 'no such device, or it could not be started',
};

const namesByCode = new Map<number, ErrorName>(
  (Object.entries(ErrorCodes) as [ErrorName, number][]).map(([name, code]) => [code, name]),
);

/** The stable name of a code; unknown numbers map to `UNKNOWN`. */
export function errorName(code: number): ErrorName {
  return namesByCode.get(code) ?? 'UNKNOWN';
}

/** A typed error: carries the code, its name and a readable message. */
export class CallroomError extends Error {
  readonly code: number;
  readonly errorName: ErrorName;
  constructor(name: ErrorName, message?: string) {
    super(message ?? ErrorMessages[name]);
    this.name = 'CallroomError';
    this.code = ErrorCodes[name];
    this.errorName = name;
  }
  static fromCode(code: number, message?: string): CallroomError {
    const e = new CallroomError(errorName(code), message);
    (e as { code: number }).code = code;
    return e;
  }
}

/** WebSocket close codes: 4000 + the error code for codes below 1000. */
export function closeCodeFor(name: ErrorName): number {
  return 4000 + ErrorCodes[name];
}
