// What a viewer can do about someone on their profile, beside following: message them, block
// them, report them. Each action is its feature's own component.
import type { Profile, PublicUser } from '../../../../src/shared/api.js';
import { BlockButton } from '../blocks/block-button.js';
import { MessageButton } from '../dms/message-button.js';
import { ReportButton } from '../moderation/report-button.js';

export function ProfileActions({ profile, viewer }: { profile: Profile; viewer: PublicUser }) {
  return (
    <div class="profile__actions">
      <MessageButton user={profile.user} />
      <BlockButton user={profile.user} viewer={viewer} blocking={profile.blocking} />
      <ReportButton target={{ type: 'user', id: profile.user.id }} label={`Report ${profile.user.displayName}`} />
    </div>
  );
}
