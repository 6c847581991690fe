import { useEffect, useState } from "react";

/** What a live hook holds: its data so far, whether the feed is over, and why it failed. */
export interface Live<T> {
  data: T;
  /** True once the feed has ended (stream closed, workflow finished). */
  done: boolean;
  /** The error that stopped the feed (a `WorkflowApiError` for an answer of the API). */
  error: unknown;
}

/** Applies a change to a live hook's data. */
export type Update<T> = (change: (data: T) => T) => void;

/**
 * Runs `run` while the component is mounted and `deps` stay the same: it is aborted (its
 * signal) on unmount or when they change, and its updates after that are dropped. An empty
 * `id` runs nothing: a page may not know its workflow yet.
 */
export function useLive<T>(
  id: string | undefined,
  initial: () => T,
  run: (id: string, signal: AbortSignal, update: Update<T>) => Promise<void>,
  deps: unknown[],
): Live<T> {
  const [live, setLive] = useState<Live<T>>(() => ({
    data: initial(),
    done: false,
    error: undefined,
  }));
  useEffect(() => {
    setLive({ data: initial(), done: false, error: undefined });
    if (!id) return;
    const controller = new AbortController();
    const { signal } = controller;
    const set = (change: (live: Live<T>) => Live<T>) => {
      if (!signal.aborted) setLive(change);
    };
    run(id, signal, (change) => set((live) => ({ ...live, data: change(live.data) }))).then(
      () => set((live) => ({ ...live, done: true })),
      (error: unknown) => set((live) => ({ ...live, error })),
    );
    return () => controller.abort();
    // `initial` and `run` are the caller's closures over `deps`: not dependencies themselves.
  }, [id, ...deps]);
  return live;
}
