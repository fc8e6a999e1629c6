/**
 * The API's requests and responses as io-ts codecs (schema.ts gives each its JSON Schema). Field names
 * are the `hrm` command's JSON vocabulary (cli/vocabulary.ts in @hrm/hrm): `answer`, `valid`,
 * `correct`, `ambiguous`, `reason`, `segments`, `haltSegment`, `haltMargin`, `perSegment`, `qHalt`, `qContinue`.
 */
import { MAX_HALT_MARGIN } from '@hrm/hrm';
import type * as t from 'io-ts';
import { between, bool, described, int, list, num, object, type Schema, str } from './schema.js';

/** The bounds a server puts on a request; the request codecs are made for them. */
export interface Limits {
  /** The most segments a request may ask for (default 32; a committed model runs 4 or 8). */
  readonly maxSegments: number;
  /** The most puzzles in one `POST /v1/solve/batch` (default 256). */
  readonly maxBatchPuzzles: number;
  /** The longest puzzle text, in characters (default 4096). */
  readonly maxPuzzleChars: number;
  /** The largest request body, in bytes (default 1 MiB): larger is 413. */
  readonly bodyBytes: number;
  /** How long a request may wait and run, in milliseconds (default 30 s): longer is 504. */
  readonly timeoutMs: number;
  /** The most puzzles waiting for one model (default 1024): more is 503 with Retry-After. */
  readonly maxQueue: number;
}

/** The limits a server has unless told otherwise. */
export const DEFAULT_LIMITS: Limits = {
  maxSegments: 32,
  maxBatchPuzzles: 256,
  maxPuzzleChars: 4096,
  bodyBytes: 1 << 20,
  timeoutMs: 30_000,
  maxQueue: 1024,
};

const TASK = described(
  str(1, 64),
  'The task to solve (`sudoku4`, `sudoku6`, `maze9`, ...: see GET /v1/models); the server picks its model for the task. Give `task` or `model`.',
);
const MODEL = described(
  str(1, 128),
  'The model to use, by its id from GET /v1/models (the checkpoint file name without `.safetensors`). Give `task` or `model`.',
);
const TRACE = described(bool, 'Also return the answer and the Q values after every segment (`perSegment`).');
/** The request field `haltMargin`, shared by the HTTP API and the MCP tools. */
export const HALT_MARGIN = described(
  between(-MAX_HALT_MARGIN, MAX_HALT_MARGIN),
  'Halt only where the Q head says so by this much (`qHalt` over `qContinue`, or over 0 for models with the q-positive rule; default 0, the model’s own rule). A positive margin runs more segments where a model halts too early: on the committed sudoku9 model, margin 2 takes exact answers at halt from 88% to 96% for 2.6 segments instead of 2.3.',
);

function segments(limits: Limits) {
  return described(
    int(1, limits.maxSegments),
    `Segments to run (default: the model’s halt_max_steps); the answer is the one where the model’s Q head halts (ACT).`,
  );
}

function puzzle(limits: Limits) {
  return described(
    str(1, limits.maxPuzzleChars),
    'The puzzle as text. Sudoku: the cells row by row, a digit for a given and `.` or `0` for a blank; spaces, newlines, `|`, `-` and `+` are ignored, so a drawn grid works too. Maze: its rows joined by newlines, or one line of size² characters: `#` wall, space open, `S` start, `G` goal.',
  );
}

/** The request codecs of a server with `limits`. */
export function requestCodecs(limits: Limits = DEFAULT_LIMITS) {
  const SolveRequest = object(
    'SolveRequest',
    { puzzle: puzzle(limits) },
    { task: TASK, model: MODEL, segments: segments(limits), trace: TRACE, haltMargin: HALT_MARGIN },
  );
  const SolveBatchRequest = object(
    'SolveBatchRequest',
    {
      puzzles: described(
        list(puzzle(limits), 1, limits.maxBatchPuzzles),
        'The puzzles, all of the one task, in the format of `puzzle` in POST /v1/solve.',
      ),
    },
    { task: TASK, model: MODEL, segments: segments(limits), trace: TRACE, haltMargin: HALT_MARGIN },
  );
  return { SolveRequest, SolveBatchRequest };
}

/** `POST /v1/solve`: one puzzle, by task or by model. */
export type SolveRequest = t.TypeOf<ReturnType<typeof requestCodecs>['SolveRequest']>;
/** `POST /v1/solve/batch`: many puzzles of one task, run as one batch. */
export type SolveBatchRequest = t.TypeOf<ReturnType<typeof requestCodecs>['SolveBatchRequest']>;

/** What the model thought after one segment (`trace: true`). */
export const SegmentTrace = object('SegmentTrace', {
  segment: described(int(1, 1 << 20), 'The segment, from 1.'),
  answer: described(str(), 'The answer after this segment, drawn.'),
  valid: described(bool, 'Whether the exact checker accepts this segment’s answer.'),
  qHalt: described(num, 'The Q head’s halt logit.'),
  qContinue: described(num, 'The Q head’s continue logit.'),
});
/** One segment of a `perSegment` trace. */
export type SegmentTrace = t.TypeOf<typeof SegmentTrace>;

/** The answer to one puzzle, judged by the task's exact checker. */
export const SolveResult: Schema<SolveResult> = object(
  'SolveResult',
  {
    task: described(str(), 'The task of the model that answered.'),
    model: described(str(), 'The id of the model that answered.'),
    puzzle: described(str(), 'The puzzle as given.'),
    answer: described(
      str(),
      'The model’s answer where its Q head halts, drawn (Sudoku: rows with `|` and `-` between boxes; maze: rows with `o` on the path).',
    ),
    valid: described(
      bool,
      'The exact checker’s verdict, never the model’s: Sudoku, a completion that keeps the givens and breaks no rule; maze, a shortest path from S to G.',
    ),
    ambiguous: described(bool, 'The puzzle has more than one solution (a valid answer may then differ from another).'),
    segments: described(int(1, 1 << 20), 'Segments run.'),
    haltSegment: described(
      int(1, 1 << 20),
      'The segment where the Q head halts (ACT, by `haltMargin` when the request gave one); `answer` is from it.',
    ),
  },
  {
    correct: described(
      bool,
      'The answer is the puzzle’s one solution; absent when the puzzle has several (`ambiguous`).',
    ),
    reason: described(str(), 'Why the answer is not valid; absent when it is.'),
    perSegment: described(list(SegmentTrace), 'The answer after each segment (when the request asked for `trace`).'),
  },
);
/** The answer to one puzzle (`POST /v1/solve`), judged by the task's exact checker (see the codec for each field). */
export interface SolveResult {
  task: string;
  model: string;
  puzzle: string;
  answer: string;
  valid: boolean;
  ambiguous: boolean;
  segments: number;
  haltSegment: number;
  correct?: boolean;
  reason?: string;
  perSegment?: SegmentTrace[];
}

/** `POST /v1/solve/batch`: one result per puzzle, in order. */
export const SolveBatchResult = object('SolveBatchResult', {
  results: described(list(SolveResult), 'One result per puzzle, in the order given.'),
});
/** The answers to a batch, in the order of its puzzles. */
export type SolveBatchResult = t.TypeOf<typeof SolveBatchResult>;

/** A model the server holds (`GET /v1/models`). */
export const ModelInfo = object('ModelInfo', {
  id: described(str(), 'The model’s id: its checkpoint’s file name without `.safetensors`.'),
  task: described(str(), 'The task it solves.'),
  summary: described(str(), 'The task, in words.'),
  default: described(bool, 'Whether it answers requests that name its task (the first model loaded for a task).'),
  arch: described(str(), 'The architecture: `hrm` or `trm`.'),
  step: described(int(0, Number.MAX_SAFE_INTEGER), 'Training steps the checkpoint was saved at.'),
  segments: described(int(1, 1 << 20), 'Segments run by default (the model’s halt_max_steps).'),
  example: described(str(), 'A puzzle of the task, in the format requests use.'),
});
/** A model the server holds. */
export type ModelInfo = t.TypeOf<typeof ModelInfo>;

/** `GET /v1/models`. */
export const ModelList = object('ModelList', { models: list(ModelInfo) });
/** The models a server holds. */
export type ModelList = t.TypeOf<typeof ModelList>;

/** `GET /healthz`. */
export const Health = object('Health', {
  status: described(str(), '`ok`, or `stopping` while the server shuts down (with status 503).'),
  models: described(int(0, Number.MAX_SAFE_INTEGER), 'Models loaded.'),
  queued: described(int(0, Number.MAX_SAFE_INTEGER), 'Puzzles waiting to run.'),
});
/** The server's health. */
export type Health = t.TypeOf<typeof Health>;

/** Every error: a code, a message for people, and for a bad field its path and the reason. */
export const ErrorBody = object(
  'Error',
  {
    error: described(
      str(),
      'A code: invalid_request (400), unauthorized (401), forbidden (403), not_found (404), payload_too_large (413), unsupported_media_type (415), unsolvable_puzzle (422), overloaded (503), timeout (504), internal (500).',
    ),
    message: described(str(), 'What went wrong, for people.'),
  },
  {
    field: described(str(), 'The field at fault (`segments`, `puzzles[3]`), when one is.'),
    reason: described(str(), 'What is wrong with the field.'),
  },
);
/** The body of every error response. */
export type ErrorBody = t.TypeOf<typeof ErrorBody>;
