/** Who is making a request or holds a socket: a signed-in user, as the server sees them. */
export interface Viewer {
  id: string;
  username: string;
  isAdmin: boolean;
}
