// Changing an active grant's channel consent on the Grants screen (`change_grant_channels`):
// the grid starts from the grant's current choices, and a choice the grid has no row for (a
// brand's `custom.NAME` channel) is kept as it was, so saving the grid never drops it unseen.
import type { ChannelChangeDto, ChannelDto, GrantChannelsDto } from './bindings';
import type { MessageKey } from './i18n';
import { SHARE_CHANNELS, anyAdAllowed, channelList, gridOf, type ChannelGrid } from './share';

/** What the grid edits. */
export interface ChannelEdit {
  channels: ChannelGrid;
  nightAds: boolean;
}

const inGrid = (channel: string) => (SHARE_CHANNELS as readonly string[]).includes(channel);

/** The grid filled with the grant's current choices. */
export function startEdit(current: GrantChannelsDto): ChannelEdit {
  return gridOf(current);
}

/** The choices the grid does not show, as they are. */
function kept(current: GrantChannelsDto): ChannelDto[] {
  return current.consents
    .filter((c) => !inGrid(c.channel))
    .map((c) => ({ channel: c.channel, kind: c.kind, allowed: c.allowed }));
}

/** The new consent to send: the grid's choices, then the ones it does not show. */
export function channelChange(edit: ChannelEdit, current: GrantChannelsDto): ChannelChangeDto {
  return { channels: [...channelList(edit.channels), ...kept(current)], nightAds: edit.nightAds };
}

/** Why the edit cannot be saved: night-time ads with no advertising allowed anywhere. */
export function editProblems(edit: ChannelEdit, current: GrantChannelsDto): MessageKey[] {
  const anyAd = anyAdAllowed(edit.channels) || kept(current).some((c) => c.kind === 'ad' && c.allowed);
  return edit.nightAds && !anyAd ? ['share.problemNightAds'] : [];
}

/** Whether saving would change anything (a grant from before ads were asked apart always can:
 * saving restates its choices as they read now). */
export function editChanged(edit: ChannelEdit, current: GrantChannelsDto): boolean {
  if (current.legacy || edit.nightAds !== current.nightAds) return true;
  const key = (cs: ChannelDto[]) =>
    cs
      .map((c) => `${c.channel}:${c.kind}:${c.allowed}`)
      .sort()
      .join(',');
  return key(channelChange(edit, current).channels) !== key(current.consents);
}
