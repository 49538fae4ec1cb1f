/**
 * The facade's microphone, camera and screen share, for this user and as the other members see
 * them: each member's client announces its state to the room (`meeting.media`) on entering, on
 * every change, and when someone new enters, so AudioStatusChanged / VideoStatusChanged and the
 * screen-share notifications reach every member. Device lists and choice, video settings, and
 * the audio and network levels. Browser only; in Node the functions do nothing and report 0.
 */
import { ErrorCodes } from '../../protocol/errors.js';
import type { MemberMedia } from '../../protocol/messages.js';
import { ASTATUS } from './constants.js';
import type { FacadeCore } from './context.js';
import { DeviceList } from './device-list.js';
import { hasWebRTC, type VideoCfg } from './media.js';
import { slot, type Cookie } from './slots.js';
import { StatsPoller } from './stats.js';

export interface CRVideoInfo {
  userID: string;
  videoID: number;
  videoName: string;
}

export function devicesArea(core: FacadeCore) {
  const { fire, room, av } = core;
  const isSelf = (UID: unknown) => !UID || UID === core.selfID;
  let defaultVideo = 1;

  const api = {
    AudioStatusChanged: slot<[UID: string, oldStatus: number, newStatus: number]>(),
    VideoStatusChanged: slot<[UID: string, oldStatus: number, newStatus: number]>(),
    OpenMicFailed: slot<[sdkErr: number]>(),
    OpenVideoFailed: slot<[sdkErr: number]>(),
    VideoDevChanged: slot<[UID: string]>(),
    DefVideoChanged: slot<[UID: string, videoID: number]>(),
    MicEnergyUpdate: slot<[UID: string, oldLevel: number, newLevel: number]>(),
    NetStateChanged: slot<[level: number]>(),
    StartScreenShareRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    StopScreenShareRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    NotifyScreenShareStarted: slot<[UID: string]>(),
    NotifyScreenShareStopped: slot<[UID: string]>(),

    /** Opens (or unmutes) this user's microphone. Other users' devices cannot be opened: their UID is ignored. */
    OpenMic(UID?: string): void {
      if (isSelf(UID)) av.set('audio', true);
    },
    CloseMic(UID?: string): void {
      if (isSelf(UID)) av.set('audio', false);
    },
    OpenVideo(UID?: string): void {
      if (isSelf(UID)) av.set('video', true);
    },
    CloseVideo(UID?: string): void {
      if (isSelf(UID)) av.set('video', false);
    },
    /** 0 unknown, 1 no device, 2 closed, 3 open, 4 opening; another member's as they last announced it. */
    GetAudioStatus(UID?: string): number {
      return isSelf(UID) ? av.status('audio') : (room.members.get(String(UID))?.audio ?? ASTATUS.AUNKNOWN);
    },
    GetVideoStatus(UID?: string): number {
      return isSelf(UID) ? av.status('video') : (room.members.get(String(UID))?.video ?? ASTATUS.AUNKNOWN);
    },
    GetAudioMicNames(): string[] {
      return devices.mics.map((d) => d.name);
    },
    GetAudioSpkNames(): string[] {
      return devices.speakers.map((d) => d.name);
    },
    /** This user's cameras (videoID 1, 2, … in the browser's order); another member: their one camera, if they have one. */
    GetAllVideoInfo(UID?: string): CRVideoInfo[] {
      const self = core.selfID ?? '';
      if (isSelf(UID)) return devices.cameras.map((d, i) => ({ userID: self, videoID: i + 1, videoName: d.name }));
      const m = room.members.get(String(UID));
      return m && m.video >= 2 ? [{ userID: m.userID, videoID: 1, videoName: '' }] : [];
    },
    /** Chooses this user's camera; an open camera is switched at once. `DefVideoChanged(UID, videoID)` follows. */
    SetDefaultVideo(UID: string, videoID: number): void {
      const cam = devices.cameras[Number(videoID) - 1];
      if (!isSelf(UID) || !cam) return;
      defaultVideo = Number(videoID);
      void av.setCamera(cam.deviceId).then(
        () => fire('DefVideoChanged', api.DefVideoChanged, core.selfID ?? '', defaultVideo),
        () => av.emit('failed', 'video', ErrorCodes.NO_DEVICE),
      );
    },
    /** The camera's settings: `{size: 1–4, fps: 5–30, ratio}` (see docs/compat.md). */
    SetVideoCfg(cfg: VideoCfg): void {
      av.setVideoCfg(cfg && typeof cfg === 'object' ? cfg : {});
    },
    /** Shares the screen (sent instead of the camera): `StartScreenShareRslt(sdkErr, cookie)`. */
    StartScreenShare(_cfg?: unknown, cookie?: Cookie): void {
      if (!core.loggedIn()) return void queueMicrotask(() => fire('StartScreenShareRslt', api.StartScreenShareRslt, ErrorCodes.NOT_LOGGED_IN, cookie));
      if (room.meetingID === null) return void queueMicrotask(() => fire('StartScreenShareRslt', api.StartScreenShareRslt, ErrorCodes.NOT_IN_MEETING, cookie));
      void av.startScreen().then((code) => fire('StartScreenShareRslt', api.StartScreenShareRslt, code, cookie));
    },
    /** Stops sharing (nothing to do is fine too): `StopScreenShareRslt(0, cookie)`. */
    StopScreenShare(cookie?: Cookie): void {
      av.stopScreen();
      queueMicrotask(() => fire('StopScreenShareRslt', api.StopScreenShareRslt, ErrorCodes.OK, cookie));
    },
  };

  const devices = new DeviceList(() => fire('VideoDevChanged', api.VideoDevChanged, core.selfID ?? ''));
  const stats = new StatsPoller({
    energy: (uid, from, to) => fire('MicEnergyUpdate', api.MicEnergyUpdate, uid, from, to),
    net: (level) => fire('NetStateChanged', api.NetStateChanged, level),
  });

  function mine(): MemberMedia {
    return { audio: av.status('audio'), video: av.status('video'), screen: av.screenTrack !== null };
  }

  /**
   * Tells the room this user's state (dropped quietly when not in a room). Without WebRTC (Node)
   * the state is always unknown (0), which is what the others assume of a member who never
   * announced: nothing is sent.
   */
  function announce(): void {
    const c = core.loggedIn();
    const id = room.meetingID;
    if (!c || id === null || !hasWebRTC()) return;
    void c.setMedia(id, mine()).catch(() => undefined);
  }

  av.on('status', (kind, from, to) => {
    const uid = core.selfID ?? '';
    if (kind === 'audio') fire('AudioStatusChanged', api.AudioStatusChanged, uid, from, to);
    else fire('VideoStatusChanged', api.VideoStatusChanged, uid, from, to);
    if (to === ASTATUS.AOPEN) void devices.refresh();
    announce();
  });
  av.on('failed', (kind, code) => {
    if (kind === 'audio') fire('OpenMicFailed', api.OpenMicFailed, code);
    else fire('OpenVideoFailed', api.OpenVideoFailed, code);
  });
  av.on('screen', () => announce());

  // Media that does not flow (MediaRoom `health`): NetStateChanged(0) at once, and the poller
  // keeps 0 while it lasts; the server's call record hears whether media connected.
  av.on('room', (r) => {
    r?.on('health', ({ state }) => {
      if (av.room !== r) return;
      if (state === 'failed') stats.failed();
      const c = core.loggedIn();
      const callID = core.openCall.answeredCallID;
      if (c && callID && state !== 'retrying') void c.reportCallMedia(callID, state).catch(() => undefined);
    });
  });

  core.onEnter(() => {
    announce();
    const self = core.selfID;
    if (av.room && self && hasWebRTC()) stats.start(av.room, self);
  });
  core.onLeave(() => stats.stop());

  core.onClient((c) => {
    c.on('meeting.memberJoined', (e) => {
      if (e.meetingID === room.meetingID) announce();
    });
    c.on('meeting.memberLeft', (e) => {
      if (e.meetingID === room.meetingID && room.members.get(e.userID)?.screen) fire('NotifyScreenShareStopped', api.NotifyScreenShareStopped, e.userID);
    });
    c.on('meeting.media', (e) => {
      if (e.meetingID !== room.meetingID) return;
      const before = room.media(e.userID, e);
      if (!before) return;
      if (before.audio !== e.audio) fire('AudioStatusChanged', api.AudioStatusChanged, e.userID, before.audio, e.audio);
      if (before.video !== e.video) fire('VideoStatusChanged', api.VideoStatusChanged, e.userID, before.video, e.video);
      const sharing = e.screen ?? false;
      if (!before.screen && sharing) fire('NotifyScreenShareStarted', api.NotifyScreenShareStarted, e.userID);
      if (before.screen && !sharing) fire('NotifyScreenShareStopped', api.NotifyScreenShareStopped, e.userID);
    });
  });

  return api;
}

export type DevicesArea = ReturnType<typeof devicesArea>;
