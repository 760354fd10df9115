// Photo streams. The walls (`latest`, `city:<slug>`, `profile:<username>`) and likes (`photo:<id>`)
// are public; `home` is the viewer's own timeline.
import { LIMITS } from '../../shared/api.js';
import { requireViewer, type StreamRegistry } from '../../realtime/streams.js';
import type { CitiesService } from '../cities/cities.service.js';
import type { SocialService } from '../social/social.service.js';
import type { PhotosService } from './photos.service.js';

export function registerPhotoStreams(streams: StreamRegistry, deps: { photos: PhotosService; cities: CitiesService; social: SocialService }): void {
  streams.register('latest', { takesArg: false, authorize: () => 'latest' });
  streams.register('home', { takesArg: false, authorize: (viewer) => `home:${requireViewer(viewer).id}` });
  streams.register('city', {
    takesArg: true,
    argPattern: new RegExp(LIMITS.citySlugPattern),
    async authorize(_viewer, slug) {
      await deps.cities.get(slug);
      return `city:${slug}`;
    },
  });
  streams.register('profile', {
    takesArg: true,
    argPattern: new RegExp(LIMITS.usernamePattern),
    async authorize(_viewer, username) {
      await deps.social.user(username);
      return `profile:${username}`;
    },
  });
  streams.register('photo', {
    takesArg: true,
    argPattern: /^\d{1,18}$/,
    async authorize(viewer, id) {
      await deps.photos.get(id, viewer); // a photo still processing is its owner's only
      return `photo:${id}`;
    },
  });
}
