// Sign-up. An invite link lands here as /register?invite=<token>: the token rides along with the
// form (and through the "Log in" link and back). GET /api/instance says whether the instance is
// invite-only or closed, so nobody fills in a form that cannot succeed.
import { useEffect, useState } from 'preact/hooks';
import type { InstanceInfo } from '../../../src/shared/community.js';
import { Alert } from '../components/alert.js';
import { AuthForm } from '../components/auth-form.js';
import { Link } from '../components/link.js';
import { api } from '../lib/api.js';
import { nextPath } from '../lib/next-path.js';
import { navigate, useLocation } from '../lib/router.js';
import { register } from '../lib/session.js';

export function RegisterPage() {
  const { search } = useLocation();
  const invite = new URLSearchParams(search).get('invite') ?? '';
  const instance = useInstance();
  const onSubmit = async (username: string, password: string) => {
    await register(username, password, invite || undefined);
    navigate(nextPath(search), { replace: true });
  };
  // Until an admin exists, the first account from the machine itself may register in any mode.
  const shut = instance !== null && instance.hasAdmin && (instance.registration === 'closed' || (instance.registration === 'invite' && !invite));
  return (
    <main class="auth">
      <div class="card auth__card">
        <h1 class="auth__title">Create your account</h1>
        <p class="auth__lead">
          {invite ? 'You were invited. Pick the name people will know you by.' : 'Pick the name people will know you by.'}
        </p>
        {shut ? (
          <div data-testid="registration-shut">
            <Alert>
              {instance.registration === 'closed'
                ? 'Registration is closed on this Strobe: nobody can create an account here right now.'
                : 'This Strobe is invite-only. To create an account, open the invite link one of its admins sent you.'}
            </Alert>
          </div>
        ) : (
          <AuthForm mode="register" onSubmit={onSubmit} />
        )}
        <p class="auth__switch">
          Already have an account? <Link href={`/login${search}`}>Log in</Link>
        </p>
      </div>
    </main>
  );
}

/** GET /api/instance, or null while it loads (or if it fails: the server still decides at submit). */
function useInstance(): InstanceInfo | null {
  const [info, setInfo] = useState<InstanceInfo | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    api<InstanceInfo>('GET', '/api/instance', undefined, abort.signal).then(setInfo, () => {});
    return () => abort.abort();
  }, []);
  return info;
}
