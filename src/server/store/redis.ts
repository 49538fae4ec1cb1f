/**
 * The cluster store: durable records in Redis, shared by every node. Keys (prefix `cr:`):
 *   cr:meeting:seq                 INCR → next meeting ID (never reused)
 *   cr:meeting:<id>                hash {id, pswd, subject, creator, createdAt, lastActiveAt}
 *   cr:meetings                    set of live meeting IDs
 *   cr:mby:<creator>               set of the live meeting IDs a user created (the per-user cap)
 *   cr:minv:<id>                   set of invitees
 *   cr:midle                       sorted set: empty meetings by lastActiveAt (expiry)
 *   cr:call:<callID>               hash {rec: CallRecord JSON, meet: MeetInfo JSON at invite}
 *   cr:calls:all, cr:calls:u:<u>   sorted sets of callIDs by createdAt (history, paging)
 *   cr:open                        set of callIDs not ended
 *   cr:dnd                         set of users with DND on
 * In cluster mode the call and meeting services change these through Lua scripts
 * (cluster/lua.ts); this class is the Store interface over the same keys.
 *
 * Durability: a write is acknowledged when Redis has applied it; what survives which failure
 * depends on Redis's appendonly/appendfsync settings (docs/operations.md, "Durability in
 * cluster mode").
 */
import { Redis } from 'ioredis';
import type { CallRecord } from '../../protocol/messages.js';
import { DuplicateCallError, storedCall, type CallQuery, type MeetingRecord, type NewMeeting, type Store } from './types.js';

export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly redis: Redis;
  private closed = false;

  constructor(readonly url: string) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 100, retryStrategy: () => 200, connectionName: 'callroom-store' });
    this.redis.on('error', () => {
      /* reported by the commands that fail */
    });
  }

  /** Connects and checks the server answers; rejects with a message that says what to do. */
  async open(): Promise<void> {
    try {
      await this.redis.connect();
      await this.redis.ping();
    } catch (err) {
      this.redis.disconnect();
      throw new Error(`cannot reach Redis at ${this.url}: ${(err as Error).message}. Check --redis and that redis-server is running.`);
    }
  }

  async createMeeting(m: NewMeeting): Promise<MeetingRecord> {
    const id = Number(await this.redis.incr('cr:meeting:seq'));
    await this.redis
      .multi()
      .hset(`cr:meeting:${id}`, { id, pswd: m.pswd, subject: m.subject, creator: m.creator, createdAt: m.createdAt, lastActiveAt: m.createdAt })
      .sadd('cr:meetings', id)
      .sadd(`cr:mby:${m.creator}`, id)
      .zadd('cr:midle', m.createdAt, id)
      .exec();
    return { ...m, id, lastActiveAt: m.createdAt, invitees: [] };
  }

  async addInvitee(meetingID: number, userID: string): Promise<void> {
    await this.redis.sadd(`cr:minv:${meetingID}`, userID);
  }

  async touchMeeting(meetingID: number, at: number): Promise<void> {
    if ((await this.redis.exists(`cr:meeting:${meetingID}`)) === 1) await this.redis.hset(`cr:meeting:${meetingID}`, 'lastActiveAt', at);
  }

  async deleteMeeting(meetingID: number): Promise<void> {
    const creator = await this.redis.hget(`cr:meeting:${meetingID}`, 'creator');
    if (creator !== null) await this.redis.srem(`cr:mby:${creator}`, meetingID);
    await this.redis.multi().del(`cr:meeting:${meetingID}`, `cr:minv:${meetingID}`, `cr:mmem:${meetingID}`).srem('cr:meetings', meetingID).zrem('cr:midle', meetingID).exec();
  }

  async loadMeetings(): Promise<MeetingRecord[]> {
    const ids = await this.redis.smembers('cr:meetings');
    const out: MeetingRecord[] = [];
    for (const id of ids) {
      const [h, inv] = await Promise.all([this.redis.hgetall(`cr:meeting:${id}`), this.redis.smembers(`cr:minv:${id}`)]);
      if (!h.id) continue;
      out.push({
        id: Number(h.id),
        pswd: h.pswd ?? '',
        subject: h.subject ?? '',
        creator: h.creator ?? '',
        createdAt: Number(h.createdAt),
        lastActiveAt: Number(h.lastActiveAt),
        invitees: inv,
      });
    }
    return out;
  }

  async insertCall(c: CallRecord): Promise<void> {
    const added = await this.redis.hsetnx(`cr:call:${c.callID}`, 'rec', JSON.stringify(c));
    if (Number(added) !== 1) throw new DuplicateCallError(c.callID);
    const m = this.redis.multi();
    m.zadd('cr:calls:all', c.createdAt, c.callID).zadd(`cr:calls:u:${c.caller}`, c.createdAt, c.callID).zadd(`cr:calls:u:${c.callee}`, c.createdAt, c.callID);
    if (c.state !== 'ended') m.sadd('cr:open', c.callID);
    await m.exec();
  }

  async updateCall(c: CallRecord): Promise<void> {
    const m = this.redis.multi().hset(`cr:call:${c.callID}`, 'rec', JSON.stringify(c));
    if (c.state === 'ended') m.srem('cr:open', c.callID);
    await m.exec();
  }

  async getCall(callID: string): Promise<CallRecord | undefined> {
    const j = await this.redis.hget(`cr:call:${callID}`, 'rec');
    return j ? storedCall(j) : undefined;
  }

  private async records(ids: string[]): Promise<CallRecord[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hget(`cr:call:${id}`, 'rec');
    const rs = (await p.exec()) ?? [];
    return rs.map(([, v]) => v as string | null).filter((v): v is string => !!v).map(storedCall);
  }

  async listCalls(q: CallQuery): Promise<CallRecord[]> {
    const key = q.userID === undefined ? 'cr:calls:all' : `cr:calls:u:${q.userID}`;
    const max = q.before === undefined ? '+inf' : `(${q.before}`;
    const ids = await this.redis.zrevrangebyscore(key, max, '-inf', 'LIMIT', 0, q.limit);
    return this.records(ids);
  }

  async listOpenCalls(): Promise<CallRecord[]> {
    return (await this.records(await this.redis.smembers('cr:open'))).filter((c) => c.state !== 'ended');
  }

  async setDnd(userID: string, dnd: boolean): Promise<void> {
    if (dnd) await this.redis.sadd('cr:dnd', userID);
    else await this.redis.srem('cr:dnd', userID);
  }

  async loadDnd(): Promise<string[]> {
    return this.redis.smembers('cr:dnd');
  }

  /** Token cut-offs (user → seconds), kept in `cr:revoked`; they only move forward. */
  async setTokensNotBefore(userID: string, notBefore: number): Promise<void> {
    const cur = Number((await this.redis.hget('cr:revoked', userID)) ?? 0);
    if (notBefore > cur) await this.redis.hset('cr:revoked', userID, notBefore);
  }

  async loadTokensNotBefore(): Promise<[string, number][]> {
    return Object.entries(await this.redis.hgetall('cr:revoked')).map(([u, s]) => [u, Number(s)]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
