/**
 * A small client of a running server's admin REST API, for CLI commands: it sends the admin token
 * and turns every failure a user can cause (server not reachable, not callroom, token refused) into
 * a message that says what to do.
 */

/** The options every admin command takes to reach a running server (`callroom queue`, `callroom webhooks`). */
export const ADMIN_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  dev: { type: 'boolean' },
  'api-key': { type: 'string' },
  'api-secret': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class AdminApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or 0 when the server was not reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

interface ErrorBody {
  ok: false;
  name: string;
  message: string;
}

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && (v as ErrorBody).ok === false && typeof (v as ErrorBody).message === 'string';
}

export class AdminApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Sends one request; resolves with the JSON answer of a 2xx, rejects with an AdminApiError otherwise. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (err as Error).message;
      throw new AdminApiError(`cannot reach the server at ${this.baseUrl} (${cause}): is "callroom serve" running there? Point --url at it.`, 0);
    }
    const text = await res.text();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new AdminApiError(`${this.baseUrl} answered HTTP ${res.status} without callroom's JSON: is --url a callroom server?`, res.status);
    }
    if (res.ok) return answer as T;
    const detail = isErrorBody(answer) ? `${answer.name}: ${answer.message}` : `HTTP ${res.status}`;
    if (res.status === 401) {
      throw new AdminApiError(
        `the server refused the token (${detail}). Sign with the server's keys (CALLROOM_API_KEY / CALLROOM_API_SECRET, or --dev for a --dev server), or pass an admin token with --token.`,
        401,
      );
    }
    if (res.status === 403) throw new AdminApiError(`the token is not an admin token (${detail}). Make one with: callroom token --admin --user ops`, 403);
    if (res.status === 404 && isErrorBody(answer) && answer.name === 'UNKNOWN_OP') {
      throw new AdminApiError(`the server at ${this.baseUrl} has no ${method} ${path} (${answer.message}): is it a callroom new enough for this command?`, 404);
    }
    throw new AdminApiError(isErrorBody(answer) ? answer.message : detail, res.status);
  }
}
