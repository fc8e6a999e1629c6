/**
 * Stopping `hrm train` without losing its work: SIGINT (Ctrl-C), SIGTERM and SIGHUP ask the run to stop
 * after the current step and save; a second signal within a second of the first quits at once without
 * saving (status 128 + the signal's number). A copy of the first that arrives within
 * `DUPLICATE_SIGNAL_MS` is not a second Ctrl-C: npm relays the signals it gets to its script's process,
 * which the terminal signals too (measured with npm 11.19 and bash as the script shell, as macOS's sh is:
 * the copy came 0.05-1.7 ms after the terminal's; with dash the copy goes to the shell and is lost; the
 * tsx command relays within about 35 ms). A closed stdout (`hrm train --json | head`) stops a run too.
 *
 * Handlers run between steps: signals that arrive during a long step are all seen when it ends, as
 * copies of one, so the run saves after that step.
 */

/** Signals closer together than this are copies of one (npm's relay), not a second Ctrl-C. */
export const DUPLICATE_SIGNAL_MS = 100;
/** A second signal this soon after the first quits without saving; a later one asks to stop again. */
export const SECOND_SIGNAL_MS = 1000;

export type SignalAction = 'stop' | 'duplicate' | 'quit';

/** What a signal at time `now` (ms) asks for, when the first of the current request came at `first`. */
export function signalAction(first: number | undefined, now: number): SignalAction {
  if (first === undefined) return 'stop';
  const since = now - first;
  if (since <= DUPLICATE_SIGNAL_MS) return 'duplicate';
  return since <= SECOND_SIGNAL_MS ? 'quit' : 'stop';
}

/** The signals that stop a run, with the conventional exit status of a process they end (128 + number). */
const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** The stop request of the run in progress, for a closed stdout (see `stopForClosedOutput`). */
let active: ((why: string) => void) | undefined;

/**
 * Calls `onStop(why)` when a stop signal arrives (again when one arrives over a second later) until the
 * returned function is called, and quits on a second signal within a second. After that call, copies of
 * a signal that are still on their way are swallowed for `DUPLICATE_SIGNAL_MS`: with no listener, Node
 * would let one kill the process after it saved.
 */
export function listenForStop(onStop: (why: string) => void, clock = () => performance.now()): () => void {
  let first: number | undefined;
  let done = false;
  const listeners = (Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]).map((signal) => {
    const listener = () => {
      if (done) return;
      const now = clock();
      const action = signalAction(first, now);
      if (action === 'quit') process.exit(STOP_SIGNALS[signal]);
      if (action === 'stop') {
        first = now;
        onStop(signal);
      }
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  active = onStop;
  return () => {
    done = true;
    if (active === onStop) active = undefined;
    const off = () => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    };
    setTimeout(off, DUPLICATE_SIGNAL_MS).unref();
  };
}

/** Asks the run in progress to stop because stdout closed; false when there is none (the caller then ends). */
export function stopForClosedOutput(): boolean {
  if (!active) return false;
  active('stdout closed');
  return true;
}
