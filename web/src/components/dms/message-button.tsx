// "Message" on a profile: opens (or finds) the conversation with them, then shows the thread.
import type { PublicUser } from '../../../../src/shared/api.js';
import { openConversation } from '../../dms/dms-api.js';
import { navigate } from '../../lib/router.js';
import { currentUser } from '../../lib/session.js';
import { useAction } from '../../lib/use-action.js';
import { InlineError } from '../alert.js';

export function MessageButton({ user }: { user: PublicUser }) {
  const { busy, error, run } = useAction({ busyAfterSuccess: true });
  if (currentUser()?.id === user.id) return null;
  const go = () =>
    void run(async () => {
      const conversation = await openConversation(user.username);
      navigate(`/messages/${conversation.id}`);
    });
  return (
    <>
      <button type="button" class="btn btn--small btn--ghost" onClick={go} disabled={busy} data-testid="message-button">
        {busy ? 'Opening…' : 'Message'}
      </button>
      <InlineError message={error} />
    </>
  );
}
