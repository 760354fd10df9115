import { useEffect, useMemo } from 'preact/hooks';
import { useStore } from '../lib/store.js';
import { CommentsModel, type CommentsState } from './comments-model.js';

/** One photo's thread while the component is mounted: a new photo id, a new model. */
export function useComments(photoId: string): { state: CommentsState; model: CommentsModel } {
  const model = useMemo(() => new CommentsModel(photoId), [photoId]);
  useEffect(() => model.start(), [model]);
  return { state: useStore(model.store), model };
}
