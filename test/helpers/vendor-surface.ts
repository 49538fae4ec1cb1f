/**
 * The names that published code for the reference SDK uses (the facts of
 * shared/seed/vendor-surface.md), and a script in the shape of such code: globals only, every
 * slot set at load, every function called. The same script runs in Node (test/unit) against
 * `installGlobals` on a plain object and in Chromium against the browser bundle (test/e2e).
 */

export const VENDOR_FUNCTIONS = [
  'Init', 'Uninit', 'GetSDKVersion', 'SetSDKParams', 'SetServerAddr', 'Login', 'LoginByToken', 'UpdateToken', 'Logout',
  'CreateMeeting', 'CreateMeeting2', 'EnterMeeting', 'EnterMeeting2', 'EnterMeeting3', 'ExitMeeting', 'DestroyMeeting',
  'Call', 'AcceptCall', 'RejectCall', 'HangupCall', 'HungupCall', 'SetDNDStatus', 'GetUserStatus', 'StartUserStatusNotify', 'StopUserStatusNotify',
  'OpenMic', 'CloseMic', 'OpenVideo', 'CloseVideo', 'GetAudioStatus', 'GetVideoStatus', 'GetAudioMicNames', 'GetAudioSpkNames',
  'GetAllVideoInfo', 'SetDefaultVideo', 'SetVideoCfg', 'StartScreenShare', 'StopScreenShare',
  'CreatVideoObj', 'SendCmd', 'SendIMmsg', 'StopSvrMixer',
  // queues (queue-guide.md)
  'InitQueueDat', 'GetAllQueueInfo', 'GetQueueStatus', 'RefreshAllQueueStatus', 'GetQueuingInfo', 'GetServingQueues', 'GetSessionInfo',
  'StartQueuing', 'StartQueuing2', 'StopQueuing', 'StartService', 'StartService2', 'StopService', 'ReqAssignUser', 'AcceptAssignUser', 'RejectAssignUser',
] as const;

export const VENDOR_CALLBACKS = [
  'LoginSuccess', 'LoginFail', 'LineOff', 'NotifyTokenWillExpire', 'UpdateTokenRslt',
  'CreateMeetingSuccess', 'CreateMeetingFail', 'EnterMeetingRslt', 'UserEnterMeeting', 'UserLeftMeeting', 'MeetingStopped',
  'MeetingDropped', 'StopMeetingRslt', 'DestroyMeetingRslt',
  // the guide's call callbacks
  'CallSuccess', 'CallFail', 'NotifyCallIn', 'AcceptCallSuccess', 'AcceptCallFail', 'RejectCallSuccess', 'RejectCallFail',
  'NotifyCallAccepted', 'NotifyCallRejected', 'HungupCallSuccess', 'HungupCallFail', 'NotifyCallHungup',
  'SetDNDStatusSuccess', 'SetDNDStatusFail', 'GetUserStatusSuccess', 'GetUserStatusFail',
  'StartUserStatusNotifyRslt', 'StopUserStatusNotifyRslt', 'NotifyUserStatus',
  'HangupCallSuccess', 'HangupCallFail', 'NotifyCallHangup',
  'AudioStatusChanged', 'VideoStatusChanged', 'OpenMicFailed', 'OpenVideoFailed', 'VideoDevChanged', 'DefVideoChanged',
  'MicEnergyUpdate', 'NetStateChanged', 'StartScreenShareRslt', 'StopScreenShareRslt', 'NotifyScreenShareStarted', 'NotifyScreenShareStopped',
  'SendCmdRlst', 'SendCmdRslt', 'NotifyCmdData', 'SendIMmsgRlst', 'NotifyIMmsg',
  // queues (queue-guide.md)
  'InitQueueDatRslt', 'GetQueueStatusRslt', 'StartQueuingRslt', 'StopQueuingRslt', 'StartServiceRslt', 'StopServiceRslt',
  'ReqAssignUserRslt', 'ResponseAssignUserRslt', 'AutoAssignUser', 'CancelAssignUser', 'QueueStatusChanged', 'QueuingInfoChanged',
] as const;

export const VENDOR_ERRORS: Record<string, number> = {
  NOERR: 0, UNKNOWERR: 1, OUTOF_MEM: 2, INNER_ERR: 3, MISMATCHCLIENTVER: 4, MEETPARAM_ERR: 5, ERR_DATA: 6,
  ANCTPSWD_ERR: 7, SERVER_EXCEPTION: 8, CRVideoSDK_USER_BEEN_KICKOUT: 10, NETWORK_INITFAILED: 200, NO_SERVERINFO: 201,
  NOSERVER_RSP: 202, CREATE_CONN_FAILED: 203, SOCKETEXCEPTION: 204, SOCKETTIMEOUT: 205, FORCEDCLOSECONNECTION: 206,
  CONNECTIONLOST: 207, QUE_ID_INVALID: 400, QUE_NOUSER: 401, QUE_USER_CANCELLED: 402, QUE_SERVICE_NOT_START: 403,
  ALREADY_OTHERQUE: 404, INVALID_CALLID: 600, ERR_CALL_EXIST: 601, ERR_BUSY: 602, ERR_OFFLINE: 603, ERR_NOANSWER: 604,
  ERR_USER_NOT_FOUND: 605, ERR_REFUSE: 606, MEETNOTEXIST: 800, AUTHERROR: 801, MEMBEROVERFLOWERROR: 802,
  RESOURCEALLOCATEERROR: 803, MEETOFFLINE: 804, WEB_OCX_NOTINSTALLED: 1001, WEB_BROWER_NOTUPPORTED: 1002,
  OCX_VERSION_NOTUPPORTED: 1003,
};

/** What the script leaves in `__surface` for the test to check. */
export interface SurfaceReport {
  /** Exceptions thrown while setting slots or calling functions: must be empty. */
  thrown: string[];
  /** Every callback that ran, with its arguments. */
  fired: { name: string; args: unknown[] }[];
  sdkver: unknown;
  appField: unknown;
  initEqualsZero: boolean;
  initThen: unknown;
  callID: unknown;
  videoObj: { handlerType: string; chained: boolean };
  returns: Record<string, unknown>;
}

/**
 * The script's source, written as such apps are: plain globals, slots set at load (including
 * for names never used), then every function, before any login. It records into `__surface`;
 * `__surfaceDone` is a promise that settles after the result callbacks had a chance to run.
 */
export function surfaceScript(): string {
  const callbacks = JSON.stringify(VENDOR_CALLBACKS);
  return `
var __surface = { thrown: [], fired: [], returns: {} };
(function () {
  var names = ${callbacks};
  names.forEach(function (n) {
    try {
      eval('CRVideo_' + n).callback = function () { __surface.fired.push({ name: n, args: Array.prototype.slice.call(arguments) }); };
    } catch (e) { __surface.thrown.push('slot ' + n + ': ' + e); }
  });
  function run(label, f) {
    try { __surface.returns[label] = f(); } catch (e) { __surface.thrown.push(label + ': ' + e); }
  }
  __surface.sdkver = CRVideo.sdkver;
  CRVideo.CallID = 'kept';
  __surface.appField = CRVideo.CallID;
  var init = CRVideo_Init();
  __surface.initEqualsZero = (init == 0) && (CRVideo_Init() == CRVideo_NOERR);
  run('GetSDKVersion', function () { return CRVideo_GetSDKVersion(); });
  run('SetSDKParams', function () { return CRVideo_SetSDKParams('{"isCallSer":1}'); });
  run('UpdateToken', function () { return CRVideo_UpdateToken('t', 'c-token'); });
  run('CreateMeeting', function () { return CRVideo_CreateMeeting('s', 'c-create'); });
  run('CreateMeeting2', function () { return CRVideo_CreateMeeting2('c-create2'); });
  run('EnterMeeting', function () { return CRVideo_EnterMeeting(1, 'p', 'u', 'n', 'c-enter'); });
  run('EnterMeeting2', function () { return CRVideo_EnterMeeting2(1, 'u', 'n', 'c-enter2'); });
  run('EnterMeeting3', function () { return CRVideo_EnterMeeting3(1, 'c-enter3'); });
  run('ExitMeeting', function () { return CRVideo_ExitMeeting(); });
  run('DestroyMeeting', function () { return CRVideo_DestroyMeeting(1, 'c-destroy'); });
  run('Call', function () { return (__surface.callID = CRVideo_Call('bob', { ID: 1 }, 'x', 'c-call')); });
  run('AcceptCall', function () { return CRVideo_AcceptCall('id1', { ID: 1 }, '', 'c-accept'); });
  run('RejectCall', function () { return CRVideo_RejectCall('id1', '', 'c-reject'); });
  run('HangupCall', function () { return CRVideo_HangupCall('id1', '', 'c-hangup'); });
  run('HungupCall', function () { return CRVideo_HungupCall('id2', '', 'c-hungup'); });
  run('SetDNDStatus', function () { return CRVideo_SetDNDStatus(1, 'c-dnd'); });
  run('GetUserStatus', function () { return CRVideo_GetUserStatus('c-status'); });
  run('StartUserStatusNotify', function () { return CRVideo_StartUserStatusNotify('c-start'); });
  run('StopUserStatusNotify', function () { return CRVideo_StopUserStatusNotify('c-stop'); });
  run('OpenMic', function () { return CRVideo_OpenMic('me'); });
  run('CloseMic', function () { return CRVideo_CloseMic('me'); });
  run('OpenVideo', function () { return CRVideo_OpenVideo('me'); });
  run('CloseVideo', function () { return CRVideo_CloseVideo('me'); });
  run('GetAudioStatus', function () { return CRVideo_GetAudioStatus('me'); });
  run('GetVideoStatus', function () { return CRVideo_GetVideoStatus('me'); });
  run('GetAudioMicNames', function () { return CRVideo_GetAudioMicNames(); });
  run('GetAudioSpkNames', function () { return CRVideo_GetAudioSpkNames(); });
  run('GetAllVideoInfo', function () { return CRVideo_GetAllVideoInfo('me'); });
  run('SetDefaultVideo', function () { return CRVideo_SetDefaultVideo('me', 1); });
  run('SetVideoCfg', function () { return CRVideo_SetVideoCfg({ size: 2, fps: 15, ratio: 1 }); });
  run('StartScreenShare', function () { return CRVideo_StartScreenShare({}); });
  run('StopScreenShare', function () { return CRVideo_StopScreenShare(); });
  run('SendCmd', function () { return CRVideo_SendCmd('bob', 'data', 'c-cmd'); });
  run('SendIMmsg', function () { return CRVideo_SendIMmsg('hi', '', 'c-im'); });
  run('StopSvrMixer', function () { return CRVideo_StopSvrMixer(); });
  run('InitQueueDat', function () { return CRVideo_InitQueueDat('c-qinit'); });
  run('GetAllQueueInfo', function () { return CRVideo_GetAllQueueInfo(); });
  run('GetQueueStatus', function () { return CRVideo_GetQueueStatus(7, 'c-qstatus'); });
  run('RefreshAllQueueStatus', function () { return CRVideo_RefreshAllQueueStatus(); });
  run('GetQueuingInfo', function () { return CRVideo_GetQueuingInfo(); });
  run('GetServingQueues', function () { return CRVideo_GetServingQueues(); });
  run('GetSessionInfo', function () { return CRVideo_GetSessionInfo(); });
  run('StartQueuing', function () { return CRVideo_StartQueuing(7, 'ext', 'c-queue'); });
  run('StartQueuing2', function () { return CRVideo_StartQueuing2(7, 'ext', 'c-queue2'); });
  run('StopQueuing', function () { return CRVideo_StopQueuing('c-unqueue'); });
  run('StartService', function () { return CRVideo_StartService(7, 1, 'c-serve'); });
  run('StartService2', function () { return CRVideo_StartService2(7, 1, '{}', 'c-serve2'); });
  run('StopService', function () { return CRVideo_StopService(7, 'c-unserve'); });
  run('ReqAssignUser', function () { return CRVideo_ReqAssignUser('c-req'); });
  run('AcceptAssignUser', function () { return CRVideo_AcceptAssignUser(7, 'u1', 'c-acc'); });
  run('RejectAssignUser', function () { return CRVideo_RejectAssignUser(7, 'u1', 'c-rej'); });
  run('CreatVideoObj', function () {
    var v = CRVideo_CreatVideoObj({ poster: '', style: { background: '#000' } });
    var same = v.id('v1') === v;
    v.width(320); v.height(180); v.keepAspectRatio(true); v.dblClickFullScreen(true);
    v.setVisibleNickName(1); v.setNickNameStyle({ color: '#fff' }); v.setVideo('bob', -1);
    var h = v.handler();
    __surface.videoObj = { handlerType: h === null ? 'null' : (h && h.tagName) || typeof h, chained: same };
    return 'ok';
  });
  run('Logout', function () { return CRVideo_Logout(); });
  run('Uninit', function () { return CRVideo_Uninit(); });
  var __then = typeof init.then === 'function' ? init.then(function (v) { __surface.initThen = v; }) : Promise.resolve();
  globalThis.__surfaceDone = __then.then(function () { return new Promise(function (r) { setTimeout(r, 0); }); });
})();
`;
}
