/**
 * The whole vendor surface exists on the facade: every function and callback slot of
 * vendor-surface.md as `RTCSDK.<Name>` and `CRVideo_<Name>`, the error constants and status
 * objects with their values, and `CRVideo` with `sdkver`. A script written as vendor apps are
 * (globals, every slot set at load, every function called before login) runs without throwing,
 * and each function with a result callback reports through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { CALLBACK_NAMES, FUNCTION_NAMES, createRTCSDK, installGlobals } from '../../src/sdk/compat/rtcsdk.js';
import { SDK_VERSION } from '../../src/sdk/compat/constants.js';
import { VENDOR_CALLBACKS, VENDOR_ERRORS, VENDOR_FUNCTIONS, surfaceScript, type SurfaceReport } from '../helpers/vendor-surface.js';

test('every vendor function and callback is in the facade lists', () => {
  for (const n of VENDOR_FUNCTIONS) assert.ok((FUNCTION_NAMES as readonly string[]).includes(n), `function ${n}`);
  for (const n of VENDOR_CALLBACKS) assert.ok((CALLBACK_NAMES as readonly string[]).includes(n), `callback ${n}`);
});

test('the lists and the instance agree: functions are functions, callbacks are slots, on RTCSDK and as CRVideo_ globals', () => {
  const sdk = createRTCSDK();
  const rec = sdk as unknown as Record<string, unknown>;
  const g: Record<string, unknown> = {};
  installGlobals(sdk, g);
  for (const n of FUNCTION_NAMES) {
    assert.equal(typeof rec[n], 'function', `RTCSDK.${n}`);
    assert.equal(typeof g[`CRVideo_${n}`], 'function', `CRVideo_${n}`);
  }
  for (const n of CALLBACK_NAMES) {
    const s = rec[n] as { callback: unknown };
    assert.ok(s && typeof s === 'object' && 'callback' in s && s.callback === null, `RTCSDK.${n} is an empty slot`);
    assert.equal(g[`CRVideo_${n}`], s, `CRVideo_${n} is the same slot`);
  }
  assert.equal(new Set([...FUNCTION_NAMES, ...CALLBACK_NAMES]).size, FUNCTION_NAMES.length + CALLBACK_NAMES.length, 'no name twice');
});

test('error constants, status objects and the CRVideo object have the listed values', () => {
  const sdk = createRTCSDK();
  const g: Record<string, unknown> = { CRVideo: { mine: 1 } };
  installGlobals(sdk, g);
  for (const [name, value] of Object.entries(VENDOR_ERRORS)) {
    assert.equal(g[`CRVideo_${name}`], value, `CRVideo_${name}`);
    assert.equal((sdk as unknown as Record<string, unknown>)[name], value, `RTCSDK.${name}`);
  }
  assert.deepEqual(g.CRVideo_VSTATUS, { VUNKNOWN: 0, VNULL: 1, VCLOSE: 2, VOPEN: 3, VOPENING: 4 });
  assert.deepEqual(g.CRVideo_ASTATUS, { AUNKNOWN: 0, ANULL: 1, ACLOSE: 2, AOPEN: 3, AOPENING: 4 });
  assert.deepEqual(g.CRVideo, { mine: 1, sdkver: SDK_VERSION }, 'an app-made CRVideo keeps its fields and gains sdkver');
  const fresh: Record<string, unknown> = {};
  installGlobals(createRTCSDK(), fresh);
  assert.deepEqual(fresh.CRVideo, { sdkver: SDK_VERSION });
});

test('Init() serves both styles: == 0 and .then()', async () => {
  const sdk = createRTCSDK();
  const r = sdk.Init();
  assert.ok(r == (0 as unknown), 'Init() == 0');
  assert.equal(await r, 0, 'Init().then(v => …) gets 0');
});

test('a vendor-shaped script sets every slot and calls every function without a ReferenceError or TypeError', async () => {
  const sdk = createRTCSDK();
  const g: Record<string, unknown> = { setTimeout, console };
  installGlobals(sdk, g);
  const ctx = vm.createContext(g);
  vm.runInContext(surfaceScript(), ctx);
  await (g.__surfaceDone as Promise<void>);
  // Out of the script's realm, as JSON (an undefined argument becomes null).
  const r = JSON.parse(JSON.stringify(g.__surface)) as SurfaceReport;
  assert.deepEqual(r.thrown, []);
  assert.equal(r.sdkver, SDK_VERSION);
  assert.equal(r.appField, 'kept', 'apps store their own fields on CRVideo');
  assert.equal(r.initEqualsZero, true);
  assert.equal(r.initThen, 0);
  assert.match(String(r.callID), /^[0-9a-f-]{36}$/, 'Call() returns its callID at once');
  assert.deepEqual(r.videoObj, { handlerType: 'null', chained: true }, 'in Node the video object has no element');
  assert.equal(r.returns.GetSDKVersion, SDK_VERSION);
  assert.equal(r.returns.SetSDKParams, 0);
  assert.deepEqual(r.returns.GetAudioMicNames, []);
  assert.equal(r.returns.GetVideoStatus, 0);
  const got = (name: string) => r.fired.filter((f) => f.name === name).map((f) => f.args);
  // Before login each result callback reports 12, with its cookie, after the call returned.
  assert.deepEqual(got('UpdateTokenRslt'), [[12, 'c-token']]);
  assert.deepEqual(got('CreateMeetingFail'), [[12, 'c-create'], [12, 'c-create2']]);
  assert.deepEqual(got('EnterMeetingRslt'), [[12, 'c-enter'], [12, 'c-enter2'], [12, 'c-enter3']]);
  assert.deepEqual(got('DestroyMeetingRslt'), [[12, 'c-destroy']]);
  assert.deepEqual(got('CallFail'), [[r.callID, 12, 'c-call']]);
  assert.deepEqual(got('HangupCallFail'), [['id1', 12, 'c-hangup'], ['id2', 12, 'c-hungup']], 'both spellings report on HangupCallFail');
  assert.deepEqual(got('HungupCallFail'), [['id1', 12, 'c-hangup'], ['id2', 12, 'c-hungup']], '… and on HungupCallFail');
  assert.deepEqual(got('StartScreenShareRslt'), [[12, null]]);
  const [cmdRlst] = got('SendCmdRlst');
  assert.deepEqual(got('SendCmdRslt'), [cmdRlst], 'SendCmdRlst and SendCmdRslt both report, once each');
  assert.equal(cmdRlst?.[1], 12);
  assert.equal(got('SendIMmsgRlst')[0]?.[1], 12);
  assert.equal(got('LineOff').length, 0, 'Logout and Uninit before login fire nothing');
  // Queues: the getters answer at once from what is known (nothing yet); the rest report 12.
  assert.deepEqual(r.returns.GetAllQueueInfo, []);
  assert.deepEqual(r.returns.GetQueueStatus, { queID: 7, agent_num: 0, wait_num: 0, srv_num: 0 });
  assert.deepEqual(r.returns.GetQueuingInfo, { queID: 0, position: 0, queuingTime: 0 });
  assert.deepEqual(r.returns.GetServingQueues, []);
  assert.deepEqual(r.returns.GetSessionInfo, { callID: '', peerID: '', peerName: '', bCallAccepted: 0, meetingID: 0, meetingPswd: '', duration: 0 });
  assert.deepEqual(got('InitQueueDatRslt'), [[12, 'c-qinit']]);
  assert.deepEqual(got('GetQueueStatusRslt'), [[{ queID: 7, agent_num: 0, wait_num: 0, srv_num: 0 }, 12, 'c-qstatus']], 'RefreshAllQueueStatus with no queue loaded reports nothing');
  assert.deepEqual(got('StartQueuingRslt'), [[12, 'c-queue'], [12, 'c-queue2']]);
  assert.deepEqual(got('StopQueuingRslt'), [[12, 'c-unqueue']]);
  assert.deepEqual(got('StartServiceRslt'), [[7, 12, 'c-serve'], [7, 12, 'c-serve2']], 'StartService2 takes an extra before the cookie');
  assert.deepEqual(got('StopServiceRslt'), [[7, 12, 'c-unserve']]);
  assert.deepEqual(got('ReqAssignUserRslt'), [[12, { queID: 0, usrID: '', userID: '', name: '', nickname: '', queuingTime: 0, usrExtDat: '', param: '' }, 'c-req']]);
  assert.deepEqual(got('ResponseAssignUserRslt'), [[12, 'c-acc'], [12, 'c-rej']]);
});

test('cloud features callroom does not have report 908 through their result callback', async () => {
  const sdk = createRTCSDK();
  const seen: unknown[][] = [];
  sdk.SvrMixerStateChanged.callback = (...a) => seen.push(a);
  sdk.NotifyMediaStop.callback = (...a) => seen.push(a);
  assert.equal(sdk.StopSvrMixer(), 908);
  assert.equal(sdk.GetSvrMixerState(), 0);
  sdk.StartPlayMedia('a.mp4');
  assert.deepEqual(seen, [], 'after the call returns');
  await new Promise<void>((r) => queueMicrotask(r));
  assert.deepEqual(seen, [[0, 908, ''], ['', 908]]);
});

test('a function set on both spellings of a callback runs once per event', async () => {
  const sdk = createRTCSDK();
  let n = 0;
  const fn = () => n++;
  sdk.HangupCallFail.callback = fn;
  sdk.HungupCallFail.callback = fn;
  sdk.HangupCall('x');
  await new Promise<void>((r) => queueMicrotask(r));
  await new Promise<void>((r) => queueMicrotask(r));
  assert.equal(n, 1);
});
