import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

/**
 * A list page's filters, kept in the query string so a reload, a shared link or the back button
 * shows the same list. Changes replace the current history entry: typing does not pile up entries.
 */
export function useUrlFilters<K extends string>(
  keys: readonly K[],
): [Record<K, string>, (patch: Partial<Record<K, string | null>>) => void] {
  const [params, setParams] = useSearchParams();
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ''])) as Record<K, string>;
  const set = (patch: Partial<Record<K, string | null>>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [k, v] of Object.entries(patch) as [K, string | null | undefined][]) {
          if (v === null || v === undefined || v === '') next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: true },
    );
  return [values, set];
}

/** `value`, once it has stopped changing for `ms` (search as you type without a request per key). */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/**
 * A text box bound to one URL filter: it shows what is typed at once and writes the URL when the
 * typing pauses; a change of the URL from elsewhere (back, a link) comes back into the box.
 */
export function useTypedFilter(urlValue: string, write: (v: string) => void, ms = 250): [string, (v: string) => void] {
  const [draft, setDraft] = useState(urlValue);
  const written = useRef(urlValue);
  const settled = useDebounced(draft, ms);
  useEffect(() => {
    const v = settled.trim();
    if (v !== written.current) {
      written.current = v;
      write(v);
    }
  }, [settled]);
  useEffect(() => {
    // Only a change made elsewhere (back, a link) replaces what is being typed.
    if (urlValue !== written.current) {
      written.current = urlValue;
      setDraft(urlValue);
    }
  }, [urlValue]);
  return [draft, setDraft];
}
