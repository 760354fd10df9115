// A private thread's composer: the chat's, sending through the DM outbox.
import { sendDm } from '../../dms/dm-outbox.js';
import { MessageComposer } from '../chat/message-composer.js';

export function DmComposer({ conversationId, to, disabled }: { conversationId: string; to: string; disabled: string | null }) {
  return (
    <MessageComposer
      onSend={(text) => sendDm(conversationId, text)}
      label={`Message ${to}`}
      disabled={disabled}
      focusKey={conversationId}
      testIds={{ input: 'dm-composer', send: 'dm-send' }}
    />
  );
}
