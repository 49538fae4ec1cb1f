/**
 * The facade's data channel: SendCmd (small data to one member) and SendIMmsg (text to one member
 * or, with an empty UserID, to everyone else in the room), over the room relay `meeting.data`
 * (kinds `cmd` and `im`). Each returns a taskID at once; its result callback follows with 0 or
 * the code (12 before login, 817 outside a room or to someone who is not in it, 5 for data over
 * the limit). The recipients get NotifyCmdData / NotifyIMmsg.
 */
import { CallroomError, ErrorCodes } from '../../protocol/errors.js';
import type { DataKind } from '../../protocol/messages.js';
import { newCallID, type CallClient } from '../client.js';
import type { FacadeCore } from './context.js';
import { fireBoth, slot, type Cookie } from './slots.js';

export function dataArea(core: FacadeCore) {
  const { fire, room } = core;
  const api = {
    SendCmdRlst: slot<[taskID: string, sdkErr: number, cookie: Cookie]>(),
    SendCmdRslt: slot<[taskID: string, sdkErr: number, cookie: Cookie]>(),
    NotifyCmdData: slot<[fromUserID: string, data: string]>(),
    SendIMmsgRlst: slot<[taskID: string, sdkErr: number, cookie: Cookie]>(),
    /** `sendTime` in seconds since the epoch, as the reference SDK's times (`startTime`). */
    NotifyIMmsg: slot<[fromUserID: string, text: string, sendTime: number]>(),

    /** Sends `data` to member `UID`; returns a taskID, then `SendCmdRlst` and `SendCmdRslt(taskID, sdkErr, cookie)`. */
    SendCmd(UID: string, data: string, cookie?: Cookie): string {
      const taskID = newCallID();
      const done = (code: number) => fireBoth(fire, ['SendCmdRlst', 'SendCmdRslt'], [api.SendCmdRlst, api.SendCmdRslt], taskID, code, cookie);
      send(done, 'cmd', String(data ?? ''), String(UID ?? ''));
      return taskID;
    },
    /** Sends `text` to member `UserID`, or to everyone else in the room when it is empty; returns a taskID, then `SendIMmsgRlst`. */
    SendIMmsg(text: string, UserID: string, cookie?: Cookie): string {
      const taskID = newCallID();
      const done = (code: number) => fire('SendIMmsgRlst', api.SendIMmsgRlst, taskID, code, cookie);
      send(done, 'im', String(text ?? ''), UserID ? String(UserID) : undefined);
      return taskID;
    },
  };

  /** One `meeting.data` to the room the facade is in; `done` gets 0 or the failure's code. */
  function send(done: (code: number) => void, kind: DataKind, data: string, to: string | undefined): void {
    core.withClient(done, async (c: CallClient) => {
      if (room.meetingID === null) throw new CallroomError('NOT_IN_MEETING');
      await c.sendData(room.meetingID, kind, data, to);
      done(ErrorCodes.OK);
    });
  }

  core.onClient((c) => {
    c.on('meeting.data', (e) => {
      if (e.meetingID !== room.meetingID) return;
      if (e.kind === 'cmd') fire('NotifyCmdData', api.NotifyCmdData, e.from, e.data);
      else fire('NotifyIMmsg', api.NotifyIMmsg, e.from, e.data, Math.floor(e.ts / 1000));
    });
  });
  return api;
}

export type DataArea = ReturnType<typeof dataArea>;
