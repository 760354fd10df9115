// Wording for the admin page: sizes, durations, ages and rates.

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 100 * 1024 * 1024 ? 1 : 0)} MB`;
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3_600)} h`;
}

/** "just now", "3 s ago". */
export function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 1 ? 'just now' : `${s} s ago`;
}

export function rate(perSecond: number): string {
  return perSecond === 0 ? '0' : perSecond < 0.1 ? '< 0.1' : perSecond.toFixed(1);
}

export function lag(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** A moment as people read it here: "12 May, 14:05". */
export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
