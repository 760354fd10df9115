// Leaving the account from the settings page: the server already ended the session (sign out
// everywhere, account deletion), so the app forgets the user and goes where a signed-out visitor
// belongs. Both happen before the next render, so the settings route never redirects to log in.
import { navigate } from '../lib/router.js';
import { session } from '../lib/session.js';

export function signedOutTo(path: string): void {
  session.set({ status: 'signed-out' });
  navigate(path, { replace: true });
}
