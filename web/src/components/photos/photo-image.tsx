// A photo variant over its thumbhash: the blurred placeholder shows at once, the WebP fades in.
import { useState } from 'preact/hooks';
import type { Photo } from '../../../../src/shared/api.js';
import { placeholderUrl } from '../../photos/placeholder.js';

interface Props {
  photo: Photo;
  variant: 'thumb' | 'display';
  /** Square crop for grid tiles; the photo's own shape otherwise. */
  square?: boolean;
  alt: string;
}

export function PhotoImage({ photo, variant, square, alt }: Props) {
  const [loaded, setLoaded] = useState(false);
  const src = photo.variants?.[variant];
  const placeholder = placeholderUrl(photo.placeholder);
  const shaped = !square && photo.width && photo.height;
  return (
    <div
      class={`photo-img${square ? ' photo-img--square' : ''}${loaded ? ' photo-img--loaded' : ''}`}
      style={{
        backgroundImage: placeholder ? `url("${placeholder}")` : undefined,
        aspectRatio: shaped ? `${photo.width} / ${photo.height}` : undefined,
        // Lets CSS size the box to fit both a width and a height limit without distorting it.
        '--ratio': shaped ? String(photo.width! / photo.height!) : undefined,
      }}
    >
      {src && (
        <img
          key={src}
          src={src}
          alt={alt}
          width={photo.width ?? undefined}
          height={photo.height ?? undefined}
          loading={variant === 'thumb' ? 'lazy' : 'eager'}
          decoding="async"
          onLoad={() => setLoaded(true)}
          data-testid="photo-image"
          data-loaded={loaded}
        />
      )}
    </div>
  );
}

/** The words a screen reader hears for a photo: its caption, or whose it is. */
export function photoAlt(photo: Photo): string {
  return photo.caption.trim() ? photo.caption : `Photo by ${photo.owner.username}`;
}
