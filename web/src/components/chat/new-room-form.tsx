import { useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { LIMITS } from '../../../../src/shared/api.js';
import { createRoom } from '../../chat/chat-api.js';
import { errorMessage } from '../../lib/api.js';
import { navigate } from '../../lib/router.js';
import { Alert } from '../alert.js';

const roomOk = new RegExp(LIMITS.roomPattern);

export function NewRoomForm({ onCreated }: { onCreated(): void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (busy) return;
    if (!roomOk.test(name)) {
      setError('Room names are 1–40 characters: lowercase letters, digits and -.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await createRoom(name);
      setName('');
      onCreated();
      navigate(`/chat/${encodeURIComponent(name)}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="new-room" onSubmit={submit} noValidate>
      <label class="new-room__label" for="new-room-name">
        New room
      </label>
      <div class="new-room__row">
        <input
          id="new-room-name"
          name="name"
          value={name}
          placeholder="e.g. night-shots"
          maxLength={40}
          autoCapitalize="none"
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={name !== '' && !roomOk.test(name)}
        />
        <button type="submit" class="btn btn--small" disabled={busy || name === ''}>
          Create
        </button>
      </div>
      {error && <Alert>{error}</Alert>}
    </form>
  );
}
