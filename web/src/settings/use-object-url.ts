// A local URL for a chosen file, revoked as soon as the file changes or the component goes, so a
// preview never keeps a 25 MB blob alive.
import { useEffect, useState } from 'preact/hooks';

export function useObjectUrl(file: File | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file) return setUrl(null);
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);
  return url;
}
