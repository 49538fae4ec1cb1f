/**
 * The facade's rooms: create, enter (three ways), exit, stop or destroy, room messages, the
 * member list, and the notifications of who comes and goes.
 */
import { CallroomError, ErrorCodes } from '../../protocol/errors.js';
import type { MeetInfo } from '../../protocol/messages.js';
import type { FacadeCore } from './context.js';
import { slot, type Cookie } from './slots.js';

/** The reference SDK's room member object. */
export interface CRMember {
  userID: string;
  nickname: string;
  audioStatus: number;
  videoStatus: number;
}

export function meetingsArea(core: FacadeCore) {
  const { fire, room } = core;

  const api = {
    CreateMeetingSuccess: slot<[meetObj: MeetInfo, cookie: Cookie]>(),
    CreateMeetingFail: slot<[sdkErr: number, cookie: Cookie]>(),
    DestroyMeetingRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    StopMeetingRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    EnterMeetingRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    UserEnterMeeting: slot<[UID: string]>(),
    UserLeftMeeting: slot<[UID: string]>(),
    MeetingStopped: slot<[]>(),
    MeetingDropped: slot<[]>(),
    SendMeetingCustomMsgRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    NotifyMeetingCustomMsg: slot<[fromUserID: string, text: string]>(),

    /** `CreateMeeting()`, `CreateMeeting(subject)` or `CreateMeeting(subject, cookie)`. */
    CreateMeeting(subject?: string, cookie?: Cookie): void {
      create(subject ? String(subject) : undefined, cookie);
    },
    /** A room with no subject. */
    CreateMeeting2(cookie?: Cookie): void {
      create(undefined, cookie);
    },

    DestroyMeeting(meetID: number, cookie?: Cookie): void {
      core.withClient(
        (code) => fire('DestroyMeetingRslt', api.DestroyMeetingRslt, code, cookie),
        async (c) => {
          await c.destroyMeeting(Number(meetID));
          if (room.meetingID === Number(meetID)) core.leaveRoom('left');
          fire('DestroyMeetingRslt', api.DestroyMeetingRslt, ErrorCodes.OK, cookie);
        },
      );
    },

    /** Ends the meeting the facade is in, for everyone (its creator only): `StopMeetingRslt(sdkErr, cookie)`. */
    StopMeeting(cookie?: Cookie): void {
      core.withClient(
        (code) => fire('StopMeetingRslt', api.StopMeetingRslt, code, cookie),
        async (c) => {
          const id = room.meetingID;
          if (id === null) throw new CallroomError('NOT_IN_MEETING');
          await c.destroyMeeting(id);
          if (room.meetingID === id) core.leaveRoom('left');
          fire('StopMeetingRslt', api.StopMeetingRslt, ErrorCodes.OK, cookie);
        },
      );
    },

    EnterMeeting(meetID: number, pswd: string, _UID?: string, _nickName?: string, cookie?: Cookie): void {
      enter(Number(meetID), pswd ? String(pswd) : undefined, cookie);
    },
    EnterMeeting2(meetID: number, _UID?: string, _nickName?: string, cookie?: Cookie): void {
      enter(Number(meetID), undefined, cookie);
    },
    /** Enters as the logged-in user, without a password (creator or invitee). */
    EnterMeeting3(meetID: number, cookie?: Cookie): void {
      enter(Number(meetID), undefined, cookie);
    },

    ExitMeeting(): void {
      const c = core.loggedIn();
      const id = room.meetingID;
      core.leaveRoom('left');
      if (c && id !== null) void c.exitMeeting(id).catch(() => undefined);
    },

    SendMeetingCustomMsg(text: string, cookie?: Cookie): void {
      core.withClient(
        (code) => fire('SendMeetingCustomMsgRslt', api.SendMeetingCustomMsgRslt, code, cookie),
        async (c) => {
          if (room.meetingID === null) throw new CallroomError('NOT_IN_MEETING');
          await c.sendMessage(room.meetingID, String(text));
          fire('SendMeetingCustomMsgRslt', api.SendMeetingCustomMsgRslt, ErrorCodes.OK, cookie);
        },
      );
    },

    /**
     * The members of the meeting entered through the facade, this user first (callroom's). Those
     * there before us come from the enter result, later ones from `UserEnterMeeting`: each other
     * member is in exactly one of the two.
     */
    GetAllMembers(): CRMember[] {
      const me = core.client?.user;
      if (room.meetingID === null || !me) return [];
      const self = { userID: me.userID, nickname: me.nickName, audioStatus: core.av.status('audio'), videoStatus: core.av.status('video') };
      return [self, ...[...room.members.values()].map((m) => ({ userID: m.userID, nickname: m.nickName, audioStatus: m.audio, videoStatus: m.video }))];
    },
  };

  function create(subject: string | undefined, cookie: Cookie): void {
    core.withClient(
      (code) => fire('CreateMeetingFail', api.CreateMeetingFail, code, cookie),
      async (c) => {
        const m = await c.createMeeting(subject ? { subject } : {});
        fire('CreateMeetingSuccess', api.CreateMeetingSuccess, m, cookie);
      },
    );
  }

  function enter(meetID: number, pswd: string | undefined, cookie: Cookie): void {
    core.withClient(
      (code) => fire('EnterMeetingRslt', api.EnterMeetingRslt, code, cookie),
      async (c) => {
        const ice = await core.av.iceServers(c);
        const { members } = await c.enterMeeting(meetID, pswd);
        room.enter(meetID, members);
        core.av.enter(c, meetID, members, ice);
        core.entered();
        fire('EnterMeetingRslt', api.EnterMeetingRslt, ErrorCodes.OK, cookie);
      },
    );
  }

  core.onLeave((why) => {
    if (why === 'dropped') fire('MeetingDropped', api.MeetingDropped);
  });

  core.onClient((c) => {
    c.on('meeting.memberJoined', (e) => {
      if (e.meetingID !== room.meetingID) return;
      room.join(e.member);
      fire('UserEnterMeeting', api.UserEnterMeeting, e.member.userID);
    });
    c.on('meeting.memberLeft', (e) => {
      if (e.meetingID !== room.meetingID) return;
      room.members.delete(e.userID);
      fire('UserLeftMeeting', api.UserLeftMeeting, e.userID);
    });
    c.on('meeting.stopped', (e) => {
      if (e.meetingID !== room.meetingID) return;
      core.leaveRoom('stopped');
      fire('MeetingStopped', api.MeetingStopped);
    });
    c.on('meeting.message', (e) => fire('NotifyMeetingCustomMsg', api.NotifyMeetingCustomMsg, e.from, e.text));
  });

  return api;
}

export type MeetingsArea = ReturnType<typeof meetingsArea>;
