// Who works the moderation queue: admins and moderators. The role itself lives with the viewer
// (accounts/viewer.ts), so every feature asks the same question the same way; moderation code
// imports it from here.
export { isStaff, requireStaff } from '../accounts/viewer.js';
