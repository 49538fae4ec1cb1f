/**
 * Two users who enter one meeting at the same instant see each other exactly once: the one who
 * was there first is in the other's enter result (the `members` list; on the facade,
 * GetAllMembers() when EnterMeetingRslt runs), and the later one is announced to the first by
 * one `meeting.memberJoined` (`UserEnterMeeting`) delivered after the enter result. Whatever
 * order the event and the result reach the client in, even in one socket read.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallClient, RTCSDK } from '../../src/sdk/index.js';
import { WAIT_MS, startServer, uid, type TestServer } from '../helpers/server.js';

const ROUNDS = 50;

/** Resolves when `c` receives a room message in meeting `id` from `from`. */
function messageFrom(c: CallClient, id: number, from: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no room message from ${from}`));
    }, WAIT_MS);
    const off = c.on('meeting.message', (e) => {
      if (e.meetingID !== id || e.from !== from) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/**
 * An app's view of one meeting, built the way apps build it: the list from the enter result,
 * then every memberJoined. A memberJoined before the result is recorded as early (the app's
 * list, set from the result afterwards, would not have it).
 */
function roster(c: CallClient, id: number) {
  const seen: string[] = [];
  const early: string[] = [];
  let entered = false;
  const off = c.on('meeting.memberJoined', (e) => {
    if (e.meetingID !== id) return;
    (entered ? seen : early).push(e.member.userID);
  });
  return {
    seen,
    early,
    off,
    async enter(pswd?: string): Promise<void> {
      const r = await c.enterMeeting(id, pswd);
      entered = true;
      for (const m of r.members) seen.push(m.userID);
    },
  };
}

describe('two users enter one meeting at once', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  test(`CallClient: each sees the other once, in the enter result or by one memberJoined after it (${ROUNDS} rounds)`, async () => {
    const aliceID = uid('alice');
    const bobID = uid('bob');
    const alice = await ts.client(aliceID);
    const bob = await ts.client(bobID);
    for (let round = 0; round < ROUNDS; round++) {
      const m = await alice.createMeeting();
      const a = roster(alice, m.ID);
      const b = roster(bob, m.ID);
      await Promise.all([a.enter(), b.enter(m.pswd)]);
      // Each has entered; a message from each, relayed after its join, closes the window.
      const heard = Promise.all([messageFrom(alice, m.ID, bobID), messageFrom(bob, m.ID, aliceID)]);
      await Promise.all([alice.sendMessage(m.ID, `a${round}`), bob.sendMessage(m.ID, `b${round}`)]);
      await heard;
      assert.deepEqual(a.early, [], `round ${round}: alice got bob's memberJoined before her own enter result`);
      assert.deepEqual(b.early, [], `round ${round}: bob got alice's memberJoined before his own enter result`);
      assert.deepEqual(a.seen, [bobID], `round ${round}: alice sees bob exactly once`);
      assert.deepEqual(b.seen, [aliceID], `round ${round}: bob sees alice exactly once`);
      a.off();
      b.off();
      await Promise.all([alice.exitMeeting(m.ID), bob.exitMeeting(m.ID)]);
    }
  });

  test(`facade: each sees the other once, in GetAllMembers() at EnterMeetingRslt or by one UserEnterMeeting after it (${ROUNDS} rounds)`, async () => {
    const aliceID = uid('alice');
    const bobID = uid('bob');
    const login = async (id: string): Promise<RTCSDK> => {
      const f = ts.facade();
      const ok = new Promise<void>((resolve, reject) => {
        f.LoginSuccess.callback = () => resolve();
        f.LoginFail.callback = (code) => reject(new Error(`login failed: ${code}`));
      });
      f.LoginByToken(await ts.token(id));
      await ok;
      return f;
    };
    const alice = await login(aliceID);
    const bob = await login(bobID);
    for (let round = 0; round < ROUNDS; round++) {
      const m = await alice.client!.createMeeting();
      const view = (f: RTCSDK, otherID: string) => {
        const seen: string[] = [];
        const early: string[] = [];
        let entered = false;
        f.UserEnterMeeting.callback = (UID) => (entered ? seen : early).push(UID);
        const rslt = new Promise<void>((resolve, reject) => {
          f.EnterMeetingRslt.callback = (code) => {
            if (code !== 0) return reject(new Error(`EnterMeetingRslt(${code})`));
            entered = true;
            for (const x of f.GetAllMembers()) if (x.userID === otherID) seen.push(x.userID);
            resolve();
          };
        });
        const heard = new Promise<void>((resolve) => {
          f.NotifyMeetingCustomMsg.callback = (from) => {
            if (from === otherID) resolve();
          };
        });
        return { seen, early, rslt, heard };
      };
      const a = view(alice, bobID);
      const b = view(bob, aliceID);
      alice.EnterMeeting2(m.ID);
      bob.EnterMeeting(m.ID, m.pswd);
      await Promise.all([a.rslt, b.rslt]);
      alice.SendMeetingCustomMsg(`a${round}`);
      bob.SendMeetingCustomMsg(`b${round}`);
      await Promise.all([a.heard, b.heard]);
      assert.deepEqual(a.early, [], `round ${round}: UserEnterMeeting(bob) before alice's EnterMeetingRslt`);
      assert.deepEqual(b.early, [], `round ${round}: UserEnterMeeting(alice) before bob's EnterMeetingRslt`);
      assert.deepEqual(a.seen, [bobID], `round ${round}: alice sees bob exactly once`);
      assert.deepEqual(b.seen, [aliceID], `round ${round}: bob sees alice exactly once`);
      const me = alice.GetAllMembers().map((x) => x.userID);
      assert.deepEqual(me, [aliceID, bobID], `round ${round}: alice's member list is herself, then bob`);
      alice.ExitMeeting();
      bob.ExitMeeting();
    }
  });
});
