/** `hrm solve`: solve one puzzle given as an argument, a file or standard input. */
import { readFileSync } from 'node:fs';
import { haltingSegment, predictSegments } from '../predict.js';
import { CliError, type Command, UsageError } from './args.js';
import { batchesOf } from './evaluation.js';
import { readModelFile } from './model-file.js';

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

export const solve: Command = {
  name: 'solve',
  summary: 'solve a puzzle, optionally showing every segment',
  usage: '--checkpoint <file> [<puzzle> | --file <file> | < puzzle.txt] [--trace] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'a checkpoint written by hrm train', value: '<file>' },
    file: { type: 'string', help: 'read the puzzle from a file', value: '<file>' },
    segments: { type: 'string', help: 'segments to run (default: the model’s halt_max_steps)', value: '<N>' },
    trace: { type: 'boolean', help: 'print the prediction and the Q values after each segment' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  run: (args) => {
    const path = args.string('checkpoint');
    if (!path) throw new UsageError('--checkpoint is required');
    const file = args.string('file');
    let text: string;
    if (args.positionals.length > 0) text = args.positionals.join('\n');
    else if (file) {
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
      }
    } else if (!process.stdin.isTTY) text = readStdin();
    else throw new UsageError('give the puzzle as an argument, with --file, or on standard input');
    const m = readModelFile(path);
    const parsed = m.preset.parse(text.trim());
    if ('error' in parsed) throw new CliError(`not a ${m.preset.name} puzzle: ${parsed.error}`);
    const { example } = parsed;
    const segments = args.number('segments', { integer: true, min: 1 }) ?? m.model.haltMaxSteps;
    const [batch] = batchesOf([example], m.model.seqLen);
    const trace = predictSegments(m.reasoner, m.params, m.buffers, batch, segments);
    const halt = haltingSegment(trace, m.model)[0];
    const answer = Array.from(trace[halt - 1].tokens[0]);
    const correct = answer.every((t, i) => t === example.labels[i]);
    if (args.flag('json')) {
      console.log(
        JSON.stringify({
          answer: m.preset.format(answer),
          correct,
          haltedAt: halt,
          segments: trace.map((s) => ({
            prediction: m.preset.format(Array.from(s.tokens[0])),
            qHalt: s.qHalt[0],
            qContinue: s.qContinue[0],
          })),
        }),
      );
      return 0;
    }
    if (args.flag('trace'))
      trace.forEach((s, i) => {
        const right = Array.from(s.tokens[0]).every((t, k) => t === example.labels[k]);
        console.log(
          `segment ${i + 1}: q_halt ${s.qHalt[0].toFixed(3)}, q_continue ${s.qContinue[0].toFixed(3)}${i + 1 === halt ? '  <- ACT halts here' : ''}${right ? '  (right)' : ''}`,
        );
        console.log(m.preset.format(Array.from(s.tokens[0])));
        console.log('');
      });
    console.log(m.preset.format(answer));
    console.log(
      `${correct ? 'solved' : 'wrong'} after ${halt} segment${halt === 1 ? '' : 's'}${correct ? '' : ' (the puzzle’s solution differs)'}`,
    );
    return 0;
  },
};
