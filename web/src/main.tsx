import { render } from 'preact';
import { App } from './app.js';
import { clearOutbox } from './chat/outbox.js';
import { live } from './lib/live.js';
import { startHiddenUsers } from './lib/hidden-users.js';
import { startOwnProfile } from './lib/own-profile.js';
import { loadSession, session } from './lib/session.js';
import { startOwnPhotos } from './photos/own-photos.js';
import './styles.css';

render(<App />, document.getElementById('app')!);

// The socket authenticates with the cookie at handshake time, so it starts in parallel with
// /api/me and redoes the handshake whenever a different user (or nobody) is signed in.
live.start();
startOwnPhotos();
void loadSession().then(() => {
  startOwnProfile();
  startHiddenUsers();
  let userId = signedInId();
  session.subscribe(() => {
    const now = signedInId();
    if (now !== userId) {
      userId = now;
      clearOutbox();
      live.restart();
    }
  });
});

function signedInId(): string | undefined {
  const s = session.get();
  return s.status === 'signed-in' ? s.user.id : undefined;
}
