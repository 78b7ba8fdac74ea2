import { describe, expect, it } from 'vitest';
import type { GrantChannelsDto } from '../src/lib/bindings';
import { channelChange, editChanged, editProblems, startEdit } from '../src/lib/channelEdit';

const current: GrantChannelsDto = {
  consents: [
    { channel: 'email', kind: 'info', allowed: true, givenAt: 10 },
    { channel: 'sms', kind: 'ad', allowed: false, givenAt: 10 },
    { channel: 'custom.line', kind: 'info', allowed: true, givenAt: 10 },
  ],
  nightAds: false,
  legacy: false,
};

describe('changing a grant’s contact choices', () => {
  it('start from the grant’s own choices', () => {
    const edit = startEdit(current);
    expect(edit.channels.email).toEqual({ info: 'yes', ad: '' });
    expect(edit.channels.sms).toEqual({ info: '', ad: 'no' });
    expect(edit.nightAds).toBe(false);
    expect(editChanged(edit, current)).toBe(false);
  });

  it('send the grid and keep what it does not show', () => {
    const edit = startEdit(current);
    edit.channels.kakao.ad = 'yes';
    edit.nightAds = true;
    expect(editChanged(edit, current)).toBe(true);
    expect(channelChange(edit, current)).toEqual({
      channels: [
        { channel: 'email', kind: 'info', allowed: true },
        { channel: 'sms', kind: 'ad', allowed: false },
        { channel: 'kakao', kind: 'ad', allowed: true },
        { channel: 'custom.line', kind: 'info', allowed: true },
      ],
      nightAds: true,
    });
    expect(editProblems(edit, current)).toEqual([]);
  });

  it('refuse night-time ads with no advertising allowed', () => {
    const edit = startEdit(current);
    edit.nightAds = true;
    expect(editProblems(edit, current)).toEqual(['share.problemNightAds']);
    // Advertising on a channel the grid does not show counts too.
    const custom: GrantChannelsDto = {
      ...current,
      consents: [...current.consents, { channel: 'custom.line', kind: 'ad', allowed: true, givenAt: 10 }],
    };
    expect(editProblems({ ...startEdit(custom), nightAds: true }, custom)).toEqual([]);
  });

  it('let a grant from before ads were asked apart be restated as it reads', () => {
    const legacy: GrantChannelsDto = { ...current, legacy: true };
    expect(editChanged(startEdit(legacy), legacy)).toBe(true);
  });
});
