/** Where a stored image is served (http/media.ts): blob keys are content hashes, so the URL never changes meaning. */
export const mediaUrl = (key: string) => `/media/${key}`;
