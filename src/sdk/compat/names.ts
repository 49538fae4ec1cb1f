/**
 * Every facade name, as the reference SDK spells it: each exists as `RTCSDK.<Name>` and as the
 * global `CRVideo_<Name>`. test/unit/facade-surface.test.ts checks that these lists and the
 * instance agree, and that the vendor's published surface is covered.
 */

export const CALLBACK_NAMES = [
  // session
  'LoginSuccess', 'LoginFail', 'LineOff', 'NotifyTokenWillExpire', 'UpdateTokenRslt',
  // rooms
  'CreateMeetingSuccess', 'CreateMeetingFail', 'DestroyMeetingRslt', 'StopMeetingRslt', 'EnterMeetingRslt',
  'UserEnterMeeting', 'UserLeftMeeting', 'MeetingStopped', 'MeetingDropped',
  'SendMeetingCustomMsgRslt', 'NotifyMeetingCustomMsg',
  // calls and presence
  'CallSuccess', 'CallFail', 'NotifyCallIn',
  'AcceptCallSuccess', 'AcceptCallFail', 'RejectCallSuccess', 'RejectCallFail',
  'NotifyCallAccepted', 'NotifyCallRejected',
  'HangupCallSuccess', 'HangupCallFail', 'HungupCallSuccess', 'HungupCallFail', 'NotifyCallHangup', 'NotifyCallHungup',
  'SetDNDStatusSuccess', 'SetDNDStatusFail',
  'GetUserStatusSuccess', 'GetUserStatusFail', 'StartUserStatusNotifyRslt', 'StopUserStatusNotifyRslt', 'NotifyUserStatus',
  // media
  'AudioStatusChanged', 'VideoStatusChanged', 'OpenMicFailed', 'OpenVideoFailed', 'VideoDevChanged', 'DefVideoChanged',
  'MicEnergyUpdate', 'NetStateChanged', 'StartScreenShareRslt', 'StopScreenShareRslt',
  'NotifyScreenShareStarted', 'NotifyScreenShareStopped',
  // data
  'SendCmdRlst', 'SendCmdRslt', 'NotifyCmdData', 'SendIMmsgRlst', 'NotifyIMmsg',
  // call-centre queues
  'InitQueueDatRslt', 'GetQueueStatusRslt', 'StartQueuingRslt', 'StopQueuingRslt', 'StartServiceRslt', 'StopServiceRslt',
  'ReqAssignUserRslt', 'ResponseAssignUserRslt', 'AutoAssignUser', 'CancelAssignUser', 'QueueStatusChanged', 'QueuingInfoChanged',
  // cloud features callroom does not have
  'SvrMixerStateChanged', 'SvrMixerCfgChanged', 'SvrMixerOutPutInfo', 'NotifyMediaStart', 'NotifyMediaStop', 'NotifyMediaPause',
] as const;

export const FUNCTION_NAMES = [
  // set-up
  'Init', 'Uninit', 'GetSDKVersion', 'SetSDKParams', 'SetServerAddr', 'GetServerAddr',
  'Login', 'LoginByToken', 'UpdateToken', 'Logout',
  // rooms
  'CreateMeeting', 'CreateMeeting2', 'DestroyMeeting', 'StopMeeting',
  'EnterMeeting', 'EnterMeeting2', 'EnterMeeting3', 'ExitMeeting', 'SendMeetingCustomMsg', 'GetAllMembers',
  // calls and presence
  'Call', 'AcceptCall', 'RejectCall', 'HangupCall', 'HungupCall',
  'SetDNDStatus', 'GetUserStatus', 'GetOneUserStatus', 'StartUserStatusNotify', 'StopUserStatusNotify',
  // local media
  'OpenMic', 'CloseMic', 'OpenVideo', 'CloseVideo', 'GetAudioStatus', 'GetVideoStatus',
  'GetAudioMicNames', 'GetAudioSpkNames', 'GetAllVideoInfo', 'SetDefaultVideo', 'SetVideoCfg',
  'StartScreenShare', 'StopScreenShare',
  // video display
  'CreatVideoObj',
  // data
  'SendCmd', 'SendIMmsg',
  // call-centre queues
  'InitQueueDat', 'GetAllQueueInfo', 'GetQueueStatus', 'RefreshAllQueueStatus', 'GetQueuingInfo', 'GetServingQueues', 'GetSessionInfo',
  'StartQueuing', 'StartQueuing2', 'StopQueuing', 'StartService', 'StartService2', 'StopService',
  'ReqAssignUser', 'AcceptAssignUser', 'RejectAssignUser',
  // cloud features callroom does not have
  'StartSvrMixer', 'UpdateSvrMixerContent', 'StopSvrMixer', 'GetSvrMixerState',
  'StartPlayMedia', 'StopPlayMedia', 'PausePlayMedia',
] as const;

export type CallbackName = (typeof CALLBACK_NAMES)[number];
export type FunctionName = (typeof FUNCTION_NAMES)[number];
