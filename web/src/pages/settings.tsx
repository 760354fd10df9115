// Account settings: profile, picture, password, sessions, data export and deletion. Each section
// is its own form with its own busy state and messages, so one failing leaves the others usable.
import type { PublicUser } from '../../../src/shared/api.js';
import { AvatarForm } from '../components/settings/avatar-form.js';
import { BlockedUsers } from '../components/settings/blocked-users.js';
import { DeleteAccount } from '../components/settings/delete-account.js';
import { ExportData } from '../components/settings/export-data.js';
import { PasswordForm } from '../components/settings/password-form.js';
import { ProfileForm } from '../components/settings/profile-form.js';
import { SignOutEverywhere } from '../components/settings/sign-out-everywhere.js';
import { PageHead } from '../components/walls/page-head.js';

export function SettingsPage({ user }: { user: PublicUser }) {
  return (
    <main class="page settings" data-testid="settings" data-user={user.id}>
      <PageHead title="Settings" lead={`Signed in as @${user.username}.`} />
      <ProfileForm user={user} />
      <AvatarForm user={user} />
      <PasswordForm username={user.username} />
      <SignOutEverywhere />
      <BlockedUsers />
      <ExportData userId={user.id} />
      <DeleteAccount user={user} />
    </main>
  );
}
