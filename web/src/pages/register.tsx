import { AuthForm } from '../components/auth-form.js';
import { Link } from '../components/link.js';
import { nextPath } from '../lib/next-path.js';
import { navigate, useLocation } from '../lib/router.js';
import { register } from '../lib/session.js';

export function RegisterPage() {
  const { search } = useLocation();
  const onSubmit = async (username: string, password: string) => {
    await register(username, password);
    navigate(nextPath(search), { replace: true });
  };
  return (
    <main class="auth">
      <div class="card auth__card">
        <h1 class="auth__title">Create your account</h1>
        <p class="auth__lead">Pick the name people will know you by.</p>
        <AuthForm mode="register" onSubmit={onSubmit} />
        <p class="auth__switch">
          Already have an account? <Link href={`/login${search}`}>Log in</Link>
        </p>
      </div>
    </main>
  );
}
