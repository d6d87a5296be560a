// What the conversations pages take from the live channels: a replayed message or state the page already shows
// is not news; waiting times as m:ss or h:mm:ss.
import { describe, expect, it } from 'vitest';
import {
  formatWaiting,
  isNewMessage,
  isNewState,
  isoDuration,
  type Shown,
} from '../src/pages/conversations/live.ts';

const shown: Shown = { messageIds: new Set(['m1', 'm2']), status: 'human', assignee: 'Olga' };
const message = (messageId: string) =>
  ({
    type: 'message',
    id: '7',
    data: { messageId, role: 'user', content: 'Hi', createdAt: '2026-12-01T08:00:00.000Z' },
  }) as const;

describe('news on the live channel', () => {
  it('takes a message the page does not show as news, and one it shows as a replay', () => {
    expect(isNewMessage(message('m3'), shown)).toBe(true);
    expect(isNewMessage(message('m2'), shown)).toBe(false);
  });

  it('takes a state as news when the status or the person holding it differs', () => {
    expect(isNewState({ status: 'human', assignee: { name: 'Olga', avatarUrl: null } }, shown)).toBe(false);
    expect(isNewState({ status: 'human', assignee: { name: 'Ivan', avatarUrl: null } }, shown)).toBe(true);
    expect(isNewState({ status: 'active', assignee: null }, shown)).toBe(true);
    expect(
      isNewState({ status: 'active', assignee: null }, { ...shown, status: 'active', assignee: null }),
    ).toBe(false);
  });
});

describe('waiting times', () => {
  it('reads as m:ss, and h:mm:ss from an hour on', () => {
    expect(formatWaiting(0)).toBe('0:00');
    expect(formatWaiting(65_400)).toBe('1:05');
    expect(formatWaiting(3_723_000)).toBe('1:02:03');
    expect(formatWaiting(-5000)).toBe('0:00');
    expect(isoDuration(65_400)).toBe('PT65S');
  });
});
