// Generated demo photos: an abstract "sunset" of gradients and soft circles, as a real JPEG with
// EXIF GPS, so demo uploads take the same path as a phone's (orientation, GPS, nearest city).
import sharp from 'sharp';

export interface Place {
  slug: string;
  name: string;
  lat: number;
  lon: number;
}

export const PLACES: Place[] = [
  { slug: 'paris-fr', name: 'Paris', lat: 48.8566, lon: 2.3522 },
  { slug: 'london-gb', name: 'London', lat: 51.5072, lon: -0.1276 },
  { slug: 'new-york-city-us', name: 'New York', lat: 40.7128, lon: -74.006 },
  { slug: 'tokyo-jp', name: 'Tokyo', lat: 35.6762, lon: 139.6503 },
  { slug: 'rio-de-janeiro-br', name: 'Rio', lat: -22.9068, lon: -43.1729 },
  { slug: 'cape-town-za', name: 'Cape Town', lat: -33.9249, lon: 18.4241 },
  { slug: 'sydney-au', name: 'Sydney', lat: -33.8688, lon: 151.2093 },
  { slug: 'berlin-de', name: 'Berlin', lat: 52.52, lon: 13.405 },
  { slug: 'mumbai-in', name: 'Mumbai', lat: 19.076, lon: 72.8777 },
  { slug: 'mexico-city-mx', name: 'Mexico City', lat: 19.4326, lon: -99.1332 },
];

const WIDTH = 1600;
const HEIGHT = 1067;

export async function makeDemoPhoto(random: () => number, place: Place): Promise<Buffer> {
  const hue = Math.floor(random() * 360);
  const circles = Array.from({ length: 7 }, () => {
    const r = 60 + random() * 260;
    return `<circle cx="${(random() * WIDTH).toFixed(0)}" cy="${(random() * HEIGHT).toFixed(0)}" r="${r.toFixed(0)}"
      fill="hsl(${(hue + random() * 90) % 360} 80% ${50 + random() * 30}%)" fill-opacity="${(0.25 + random() * 0.5).toFixed(2)}"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="hsl(${hue} 70% 35%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360} 90% 65%)"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>${circles}
    <rect y="${HEIGHT * 0.78}" width="100%" height="${HEIGHT * 0.22}" fill="hsl(${(hue + 200) % 360} 30% 15%)" fill-opacity="0.85"/>
  </svg>`;
  // Within ~5 km of the centre: the nearest city is still the right one.
  const lat = place.lat + (random() - 0.5) * 0.08;
  const lon = place.lon + (random() - 0.5) * 0.08;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 82 })
    .withExif({ IFD0: { Make: 'Strobe', Model: 'Demo' }, IFD3: gpsExif(lat, lon) })
    .toBuffer();
}

/** EXIF GPS tags (IFD3) for sharp's withExif, as a phone writes them: degrees, minutes, seconds. */
export function gpsExif(lat: number, lon: number): Record<string, string> {
  const dms = (v: number) => {
    const a = Math.abs(v);
    const d = Math.floor(a);
    const m = Math.floor((a - d) * 60);
    const s = Math.round(((a - d) * 60 - m) * 60 * 100);
    return `${d}/1 ${m}/1 ${s}/100`;
  };
  return { GPSLatitudeRef: lat < 0 ? 'S' : 'N', GPSLatitude: dms(lat), GPSLongitudeRef: lon < 0 ? 'W' : 'E', GPSLongitude: dms(lon) };
}

/** A small seeded generator, so a demo run can be repeated. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}
