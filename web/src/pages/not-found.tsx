import { Link } from '../components/link.js';

export function NotFoundPage() {
  return (
    <main class="empty-page">
      <h1>Page not found</h1>
      <p>
        That address does not lead anywhere. <Link href="/">Go home</Link>
      </p>
    </main>
  );
}
