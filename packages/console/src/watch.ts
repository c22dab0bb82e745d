import { useEffect } from 'react';

/**
 * Loads again every `everyMs` while `running` holds: a background job (a code batch being
 * generated, an activation batch being worked through) watched until it finishes, then left alone.
 */
export function useWatch(running: boolean, reload: () => void, everyMs = 1000): void {
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [running, reload, everyMs]);
}
