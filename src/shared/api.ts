// Shapes of the public contract (PRODUCT.md), shared by the server, the browser app and the tests.
// Types only: the browser bundle imports this file, so it must not import server code.

export interface PublicUser {
  id: string;
  username: string;
  isAdmin?: boolean;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface ChatRoom {
  name: string;
  createdAt: string;
}

export type ChatKind = 'text' | 'action';

export interface ChatMessage {
  id: string;
  room: string;
  user: { id: string; username: string };
  text: string;
  kind: ChatKind;
  createdAt: string;
}

/** Limits the browser shows and the server enforces. */
export const LIMITS = {
  usernamePattern: '^[a-z0-9_]{3,30}$',
  passwordMin: 8,
  passwordMax: 200,
  roomPattern: '^[a-z0-9-]{1,40}$',
  chatTextMax: 1000,
  clientIdMax: 100,
  pageMax: 100,
} as const;
