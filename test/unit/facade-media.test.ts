import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALLBACK_NAMES, FUNCTION_NAMES, createRTCSDK, installGlobals } from '../../src/sdk/compat/rtcsdk.js';
import * as mediaModule from '../../src/sdk/compat/media.js';
import { energyLevel, netLevel } from '../../src/sdk/compat/stats.js';

const { DeviceStatus, deviceStatus } = mediaModule;
import { isPolite } from '../../src/sdk/media/room.js';
import { classifyMediaError } from '../../src/sdk/media/local-media.js';

test('facade: OpenMic, CloseMic, OpenVideo, CloseVideo, GetAudioStatus, GetVideoStatus are facade functions with CRVideo_ globals', () => {
  for (const name of ['OpenMic', 'CloseMic', 'OpenVideo', 'CloseVideo', 'GetAudioStatus', 'GetVideoStatus'] as const) {
    assert.ok((FUNCTION_NAMES as readonly string[]).includes(name), name);
  }
  for (const name of ['AudioStatusChanged', 'VideoStatusChanged'] as const) assert.ok((CALLBACK_NAMES as readonly string[]).includes(name), name);
  const sdk = createRTCSDK();
  const g: Record<string, unknown> = {};
  installGlobals(sdk, g);
  assert.equal(typeof g.CRVideo_OpenMic, 'function');
  assert.equal(typeof g.CRVideo_CloseVideo, 'function');
  assert.equal(g.CRVideo_AudioStatusChanged, sdk.AudioStatusChanged);
});

test('facade: without WebRTC (Node) the media calls do nothing and the status is unknown', () => {
  const sdk = createRTCSDK();
  let changes = 0;
  sdk.AudioStatusChanged.callback = () => changes++;
  sdk.OpenMic('alice');
  sdk.OpenVideo();
  sdk.CloseMic();
  sdk.CloseVideo();
  assert.equal(sdk.GetAudioStatus(), DeviceStatus.UNKNOWN);
  assert.equal(sdk.GetVideoStatus('alice'), DeviceStatus.UNKNOWN);
  assert.equal(sdk.media, null);
  assert.equal(sdk.localMedia, null);
  assert.equal(changes, 0);
});

test('facade: device states map to the reference SDK numbers (1 no device, 2 closed, 3 open)', () => {
  assert.equal(deviceStatus('on'), 3);
  assert.equal(deviceStatus('off'), 2);
  assert.equal(deviceStatus('none'), 2);
  for (const s of ['denied', 'missing', 'unavailable', 'insecure'] as const) assert.equal(deviceStatus(s), 1);
});

test('media: exactly one side of each pair is polite', () => {
  for (const [a, b] of [['alice', 'bob'], ['bob', 'alice'], ['u1', 'u10'], ['张三', 'li']]) {
    assert.notEqual(isPolite(a!, b!), isPolite(b!, a!));
  }
});

test('media: getUserMedia errors say whether the device was refused, missing or unusable', () => {
  assert.equal(classifyMediaError({ name: 'NotAllowedError' }), 'denied');
  assert.equal(classifyMediaError({ name: 'SecurityError' }), 'denied');
  assert.equal(classifyMediaError({ name: 'NotFoundError' }), 'missing');
  assert.equal(classifyMediaError({ name: 'OverconstrainedError' }), 'missing');
  assert.equal(classifyMediaError({ name: 'NotReadableError' }), 'unavailable');
  assert.equal(classifyMediaError(new Error('x')), 'unavailable');
});

test('facade: SetVideoCfg sizes, frame rates and ratios become camera constraints, clamped to the documented ranges', () => {
  const { videoConstraints } = mediaModule;
  assert.deepEqual(videoConstraints({ size: 1, fps: 10, ratio: 1 }, null), { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 10, max: 30 } });
  assert.deepEqual(videoConstraints({ size: 3 }, 'cam-2'), { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 }, deviceId: { exact: 'cam-2' } });
  assert.deepEqual(videoConstraints({ size: 9, fps: 100 }, null).width, { ideal: 1920 }, 'size over 4 is 4');
  assert.deepEqual(videoConstraints({ size: 0, fps: 1 }, null).frameRate, { ideal: 5, max: 30 }, 'fps under 5 is 5');
});

test('facade: network level 0–10 from round trip and loss; audio level 0–10', () => {
  assert.equal(netLevel(0.05, 0), 10);
  assert.equal(netLevel(0.35, 0), 7, '350 ms takes three off');
  assert.equal(netLevel(0.05, 0.1), 5, '10 % loss takes five off');
  assert.equal(netLevel(5, 1), 0, 'never below 0');
  assert.equal(energyLevel(0), 0);
  assert.equal(energyLevel(1), 10);
  assert.equal(energyLevel(0.25), 5);
});
