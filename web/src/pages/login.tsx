import { AuthForm } from '../components/auth-form.js';
import { Link } from '../components/link.js';
import { nextPath } from '../lib/next-path.js';
import { navigate, useLocation } from '../lib/router.js';
import { login } from '../lib/session.js';

export function LoginPage() {
  const { search } = useLocation();
  const onSubmit = async (username: string, password: string) => {
    await login(username, password);
    navigate(nextPath(search), { replace: true });
  };
  return (
    <main class="auth">
      <div class="card auth__card">
        <h1 class="auth__title">Welcome back</h1>
        <p class="auth__lead">Log in to chat and share photos live.</p>
        <AuthForm mode="login" onSubmit={onSubmit} />
        <p class="auth__switch">
          New here? <Link href={`/register${search}`}>Create an account</Link>
        </p>
      </div>
    </main>
  );
}
