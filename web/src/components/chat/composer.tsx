// A chat room's composer.
import { sendMessage } from '../../chat/outbox.js';
import { MessageComposer } from './message-composer.js';

export function Composer({ room }: { room: string }) {
  return <MessageComposer onSend={(text) => sendMessage(room, text)} label={`Message #${room}`} testIds={{ input: 'composer' }} />;
}
