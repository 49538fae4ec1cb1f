/**
 * The facade's calls and presence: the call guide's Call / AcceptCall / RejectCall / hang-up
 * (both spellings, both sets of callbacks), DND and user status.
 */
import { CallroomError } from '../../protocol/errors.js';
import type { MeetInfo, UserStatus } from '../../protocol/messages.js';
import { newCallID } from '../client.js';
import type { FacadeCore } from './context.js';
import { fireBoth, slot, type Cookie } from './slots.js';

/** The reference SDK's user status record. */
export interface CRUserStatus {
  userID: string;
  /** 0 offline, 1 online and idle, 2 in a call, 3 in a meeting. */
  userStatus: number;
  /** 0 DND off, 1 DND on. */
  DNDType: number;
}

type MeetObj = Pick<MeetInfo, 'ID'> & Partial<MeetInfo>;

function toCR(s: UserStatus): CRUserStatus {
  return { userID: s.userID, userStatus: s.status, DNDType: s.dnd ? 1 : 0 };
}

export function callsArea(core: FacadeCore) {
  const { fire } = core;
  let statusCookie: Cookie = undefined;

  const api = {
    CallSuccess: slot<[callID: string, cookie: Cookie]>(),
    CallFail: slot<[callID: string, sdkErr: number, cookie: Cookie]>(),
    NotifyCallIn: slot<[callID: string, meetObj: MeetInfo, callerID: string, usrExtDat: string]>(),
    AcceptCallSuccess: slot<[callID: string, cookie: Cookie]>(),
    AcceptCallFail: slot<[callID: string, sdkErr: number, cookie: Cookie]>(),
    RejectCallSuccess: slot<[callID: string, cookie: Cookie]>(),
    RejectCallFail: slot<[callID: string, sdkErr: number, cookie: Cookie]>(),
    NotifyCallAccepted: slot<[callID: string, meetObj: MeetInfo, usrExtDat: string]>(),
    NotifyCallRejected: slot<[callID: string, sdkErr: number, usrExtDat: string]>(),
    HangupCallSuccess: slot<[callID: string, cookie: Cookie]>(),
    HangupCallFail: slot<[callID: string, sdkErr: number, cookie: Cookie]>(),
    HungupCallSuccess: slot<[callID: string, cookie: Cookie]>(),
    HungupCallFail: slot<[callID: string, sdkErr: number, cookie: Cookie]>(),
    NotifyCallHangup: slot<[callID: string, usrExtDat: string]>(),
    NotifyCallHungup: slot<[callID: string, usrExtDat: string]>(),
    SetDNDStatusSuccess: slot<[cookie: Cookie]>(),
    SetDNDStatusFail: slot<[sdkErr: number, cookie: Cookie]>(),
    GetUserStatusSuccess: slot<[usersStatus: CRUserStatus[], cookie: Cookie]>(),
    GetUserStatusFail: slot<[sdkErr: number, cookie: Cookie]>(),
    StartUserStatusNotifyRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    StopUserStatusNotifyRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    NotifyUserStatus: slot<[userStatus: CRUserStatus, cookie: Cookie]>(),

    /** Invites `UID` into the meeting; returns the callID at once. */
    Call(UID: string, meetObj: MeetObj, usrExtDat?: string, cookie?: Cookie): string {
      const callID = newCallID();
      core.withClient(
        (code) => fire('CallFail', api.CallFail, callID, code, cookie),
        async (c) => {
          if (!meetObj || typeof meetObj !== 'object') throw new CallroomError('BAD_ARGUMENT', 'meetObj is required');
          const r = await c.call(String(UID ?? ''), meetObj, { callID, usrExtDat: String(usrExtDat ?? '') });
          core.openCall.ringing(callID, String(UID), '', r.meeting);
          void core.openCall.learnPeerName(c, callID).catch(() => undefined);
          fire('CallSuccess', api.CallSuccess, callID, cookie);
        },
      );
      return callID;
    },

    AcceptCall(callID: string, _meetObj?: MeetObj, usrExtDat?: string, cookie?: Cookie): void {
      core.withClient(
        (code) => fire('AcceptCallFail', api.AcceptCallFail, callID, code, cookie),
        async (c) => {
          await c.accept(String(callID), String(usrExtDat ?? ''));
          core.openCall.answered(String(callID));
          fire('AcceptCallSuccess', api.AcceptCallSuccess, callID, cookie);
        },
      );
    },

    RejectCall(callID: string, usrExtDat?: string, cookie?: Cookie): void {
      core.withClient(
        (code) => fire('RejectCallFail', api.RejectCallFail, callID, code, cookie),
        async (c) => {
          await c.reject(String(callID), String(usrExtDat ?? ''));
          core.openCall.ended(String(callID));
          fire('RejectCallSuccess', api.RejectCallSuccess, callID, cookie);
        },
      );
    },

    /** Hangs up (or cancels) a call: `HangupCallSuccess` and `HungupCallSuccess`, or the two Fail callbacks. */
    HangupCall(callID: string, usrExtDat?: string, cookie?: Cookie): void {
      core.withClient(
        (code) => fireBoth(fire, ['HangupCallFail', 'HungupCallFail'], [api.HangupCallFail, api.HungupCallFail], callID, code, cookie),
        async (c) => {
          await c.hangup(String(callID), String(usrExtDat ?? ''));
          core.openCall.ended(String(callID));
          fireBoth(fire, ['HangupCallSuccess', 'HungupCallSuccess'], [api.HangupCallSuccess, api.HungupCallSuccess], callID, cookie);
        },
      );
    },
    /** The guide's spelling of HangupCall. */
    HungupCall(callID: string, usrExtDat?: string, cookie?: Cookie): void {
      api.HangupCall(callID, usrExtDat, cookie);
    },

    SetDNDStatus(status: number, cookie?: Cookie): void {
      core.withClient(
        (code) => fire('SetDNDStatusFail', api.SetDNDStatusFail, code, cookie),
        async (c) => {
          await c.setDnd(Number(status) !== 0);
          fire('SetDNDStatusSuccess', api.SetDNDStatusSuccess, cookie);
        },
      );
    },

    GetUserStatus(cookie?: Cookie): void {
      statuses(undefined, cookie);
    },
    GetOneUserStatus(UID: string, cookie?: Cookie): void {
      statuses([String(UID)], cookie);
    },

    StartUserStatusNotify(cookie?: Cookie): void {
      core.withClient(
        (code) => fire('StartUserStatusNotifyRslt', api.StartUserStatusNotifyRslt, code, cookie),
        async (c) => {
          await c.subscribeStatus();
          statusCookie = cookie;
          fire('StartUserStatusNotifyRslt', api.StartUserStatusNotifyRslt, 0, cookie);
        },
      );
    },

    StopUserStatusNotify(cookie?: Cookie): void {
      core.withClient(
        (code) => fire('StopUserStatusNotifyRslt', api.StopUserStatusNotifyRslt, code, cookie),
        async (c) => {
          await c.unsubscribeStatus();
          fire('StopUserStatusNotifyRslt', api.StopUserStatusNotifyRslt, 0, cookie);
        },
      );
    },
  };

  function statuses(userIDs: string[] | undefined, cookie: Cookie): void {
    core.withClient(
      (code) => fire('GetUserStatusFail', api.GetUserStatusFail, code, cookie),
      async (c) => {
        const users = await c.getStatus(userIDs);
        fire('GetUserStatusSuccess', api.GetUserStatusSuccess, users.map(toCR), cookie);
      },
    );
  }

  core.onClient((c) => {
    c.on('call.incoming', (e) => fire('NotifyCallIn', api.NotifyCallIn, e.callID, e.meeting, e.caller.userID, e.usrExtDat));
    c.on('call.accepted', (e) => fire('NotifyCallAccepted', api.NotifyCallAccepted, e.callID, e.meeting, e.usrExtDat));
    c.on('call.rejected', (e) => fire('NotifyCallRejected', api.NotifyCallRejected, e.callID, e.code, e.usrExtDat));
    c.on('call.hungup', (e) =>
      fireBoth(fire, ['NotifyCallHangup', 'NotifyCallHungup'], [api.NotifyCallHangup, api.NotifyCallHungup], e.callID, e.usrExtDat),
    );
    c.on('user.status', (e) => fire('NotifyUserStatus', api.NotifyUserStatus, toCR(e), statusCookie));
  });

  return api;
}

export type CallsArea = ReturnType<typeof callsArea>;
