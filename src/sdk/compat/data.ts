/**
 * The facade's data channel names: SendCmd (small data to one member) and SendIMmsg (text to
 * one member or the room). They need a targeted room relay that the wire protocol does not have
 * yet, so for now each returns its taskID and reports NOT_SUPPORTED (908) through its result
 * callback (both spellings of the command result); the notification slots exist.
 */
import { ErrorCodes } from '../../protocol/errors.js';
import { newCallID } from '../client.js';
import type { FacadeCore } from './context.js';
import { fireBoth, slot, type Cookie } from './slots.js';

export function dataArea(core: FacadeCore) {
  const { fire } = core;
  const api = {
    SendCmdRlst: slot<[taskID: string, sdkErr: number, cookie: Cookie]>(),
    SendCmdRslt: slot<[taskID: string, sdkErr: number, cookie: Cookie]>(),
    NotifyCmdData: slot<[fromUserID: string, data: string]>(),
    SendIMmsgRlst: slot<[taskID: string, sdkErr: number, cookie: Cookie]>(),
    NotifyIMmsg: slot<[fromUserID: string, text: string, sendTime: number]>(),

    /** Returns a taskID; `SendCmdRlst` / `SendCmdRslt(taskID, 908, cookie)` follow. */
    SendCmd(_UID: string, _data: string, cookie?: Cookie): string {
      const taskID = newCallID();
      queueMicrotask(() => fireBoth(fire, ['SendCmdRlst', 'SendCmdRslt'], [api.SendCmdRlst, api.SendCmdRslt], taskID, result(), cookie));
      return taskID;
    },
    /** Returns a taskID; `SendIMmsgRlst(taskID, 908, cookie)` follows. */
    SendIMmsg(_text: string, _UserID: string, cookie?: Cookie): string {
      const taskID = newCallID();
      queueMicrotask(() => fire('SendIMmsgRlst', api.SendIMmsgRlst, taskID, result(), cookie));
      return taskID;
    },
  };
  /** Not logged in comes first, as for every other function. */
  const result = () => (core.loggedIn() ? ErrorCodes.NOT_SUPPORTED : ErrorCodes.NOT_LOGGED_IN);
  return api;
}

export type DataArea = ReturnType<typeof dataArea>;
