// Drives every method of the official Node SDK, @vonage/meetings 1.12.1, against omnimeet and prints what each
// returned (or threw) as one JSON document on stdout; tests/vendors/vonage/test_sdk_node.py runs it and
// asserts on it. Only the host changes: `new Meetings(credentials, { meetingsHost })`.
//
// Input (environment): OMNIMEET_URL (the server's root, e.g. http://127.0.0.1:8080), VONAGE_APPLICATION_ID,
// VONAGE_PRIVATE_KEY (a path to the PEM), LOGO_FILE (a PNG to upload). Sessions and recordings are driven
// through omnimeet's control API with fetch.
'use strict';

const { Meetings } = require('@vonage/meetings');

const root = process.env.OMNIMEET_URL;
const control = `${root}/_omnimeet`;
const meetings = new Meetings(
  { applicationId: process.env.VONAGE_APPLICATION_ID, privateKey: process.env.VONAGE_PRIVATE_KEY },
  { meetingsHost: `${root}/vonage` },
);
const results = {};
const LIMIT = 50; // a paging loop that does not end stops here

// Runs one SDK call; records {ok: value} or {error: {message, status, body}}.
async function step(name, call) {
  try {
    const value = await call();
    results[name] = { ok: value === undefined ? null : value };
    return value;
  } catch (err) {
    const error = { message: String(err && err.message) };
    if (err && err.response) {
      error.status = err.response.status;
      try {
        const text = await err.response.text();
        try {
          error.body = JSON.parse(text);
        } catch {
          error.body = text;
        }
      } catch {
        error.body = null; // already read by the SDK
      }
    }
    results[name] = { error };
    return undefined;
  }
}

async function collect(generator) {
  const items = [];
  for await (const item of generator) {
    items.push(item);
    if (items.length >= LIMIT) {
      throw new Error(`paging did not stop after ${LIMIT} items`);
    }
  }
  return items;
}

async function controlCall(method, path, body) {
  const response = await fetch(`${control}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`control ${method} ${path}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

async function journalCount(pathGlob) {
  const found = await controlCall('GET', `/requests?vendor=vonage&method=GET&path=${encodeURIComponent(pathGlob)}`);
  return found.total;
}

async function main() {
  // --- rooms
  const rooms = [];
  for (let n = 0; n < 5; n += 1) {
    rooms.push(await step(`createRoom${n}`, () => meetings.createRoom({ displayName: `room ${n}` })));
  }
  const longTerm = await step('createRoomLongTerm', () => meetings.createRoom({
    displayName: 'Board room',
    type: 'long_term',
    expiresAt: '2027-01-01T09:00:00.000Z',
    recordingOptions: { autoRecord: false, recordOnlyOwner: true }, // dropped by the SDK
    joinApprovalLevel: 'after_owner_only',
  }));
  await step('getRoom', () => meetings.getRoom(rooms[0].id));
  await step('getRoomUnknown', () => meetings.getRoom('00000000-0000-4000-8000-000000000000'));

  await controlCall('DELETE', '/requests');
  await step('getRooms', () => collect(meetings.getRooms({ pageSize: 2 })));
  results.getRoomsRequests = await journalCount('*/rooms');
  await step('getRoomsDefault', () => collect(meetings.getRooms()));
  await step('getRoomPage', () => meetings.getRoomPage({ pageSize: 2 }));

  await step('updateRoom', () => meetings.updateRoom(longTerm.id, {
    expireAfterUse: true,
    joinApprovalLevel: 'explicit_approval',
    availableFeatures: { isChatAvailable: false },
  }));
  await step('updateRoomInstant', () => meetings.updateRoom(rooms[0].id, { expireAfterUse: true }));

  // --- themes
  await step('getThemesEmpty', () => collect(meetings.getThemes()));
  const theme = await step('createTheme', () => meetings.createTheme({
    themeName: 'Acme', mainColor: '#12f5e3', brandText: 'Acme Ltd', shortCompanyUrl: 'acme',
  }));
  await step('createThemeDuplicate', () => meetings.createTheme({
    themeName: 'Acme', mainColor: '#000000', brandText: 'Copy',
  }));
  await step('getTheme', () => meetings.getTheme(theme.themeId));
  await step('getThemes', () => collect(meetings.getThemes()));
  await step('updateTheme', () => meetings.updateTheme(theme.themeId, { brandText: 'Acme Corp' }));
  await step('updateRoomTheme0', () => meetings.updateRoom(longTerm.id, { themeId: theme.themeId }));
  const second = await step('createRoomLongTerm2', () => meetings.createRoom({
    displayName: 'Second board room', type: 'long_term', expiresAt: '2027-01-01T09:00:00.000Z',
  }));
  await step('updateRoomTheme1', () => meetings.updateRoom(second.id, { themeId: theme.themeId }));
  await controlCall('DELETE', '/requests');
  await step('getRoomsForTheme', () => collect(meetings.getRoomsForTheme(theme.themeId, { pageSize: 1 })));
  results.getRoomsForThemeRequests = await journalCount(`*/themes/${theme.themeId}/rooms`);
  await step('getRoomsForThemePage', () => meetings.getRoomsForThemePage(theme.themeId, { pageSize: 1 }));
  await step('getRoomsForUnknownTheme', () => collect(
    meetings.getRoomsForTheme('00000000-0000-4000-8000-000000000000'),
  ));
  await step('setDefaultTheme', () => meetings.setDefaultTheme(theme.themeId));
  await step('createRoomWithDefaultTheme', () => meetings.createRoom({ displayName: 'Defaulted' }));
  await step('uploadIcon', () => meetings.uploadIcon(theme.themeId, 'white', process.env.LOGO_FILE));
  await step('getThemeAfterUpload', () => meetings.getTheme(theme.themeId));
  await step('deleteThemeInUse', () => meetings.deleteTheme(theme.themeId));
  await step('deleteThemeForced', () => meetings.deleteTheme(theme.themeId, true));
  await step('getThemeDeleted', () => meetings.getTheme(theme.themeId));

  // --- recordings (driven through the control API)
  const recorded = rooms[1];
  await controlCall('POST', `/vendors/vonage/rooms/${recorded.id}/participants`, { name: 'Alice', role: 'host' });
  const started = await controlCall('POST', `/vendors/vonage/rooms/${recorded.id}/recordings`);
  results.recordingId = started.id;
  await step('getRecordingStarted', () => meetings.getRecording(started.id));
  await step('deleteRecordingStarted', () => meetings.deleteRecording(started.id));
  await controlCall('POST', '/clock', { advance_seconds: 90 });
  await controlCall('POST', `/vendors/vonage/recordings/${started.id}/stop`);
  for (let n = 0; n < 3; n += 1) {
    const now = await meetings.getRecording(started.id);
    if (now.status === 'uploaded') {
      break;
    }
    await controlCall('POST', `/vendors/vonage/recordings/${started.id}/advance`, {});
  }
  const uploaded = await step('getRecording', () => meetings.getRecording(started.id));
  await step('getSessionRecordings', () => collect(meetings.getSessionRecordings(uploaded.sessionId)));
  await step('getSessionRecordingsUnknown', () => collect(
    meetings.getSessionRecordings('1_MX4wMDAwfn5-bm90aGluZ35-'),
  ));
  await step('deleteRecording', () => meetings.deleteRecording(started.id));
  await step('getRecordingDeleted', () => meetings.getRecording(started.id));

  // --- dial-in numbers
  await step('getDialInNumbers', () => collect(meetings.getDialInNumbers()));
}

main()
  .catch((err) => {
    results.fatal = String(err && err.stack);
  })
  .finally(() => {
    process.stdout.write(`${JSON.stringify(results)}\n`);
  });
