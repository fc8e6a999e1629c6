/** `hrm eval`: score a checkpoint on unseen puzzles of its task, after every segment. */
import { join } from 'node:path';
import { writeFileAtomic } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { CliError, type Command, UsageError } from './args.js';
import { predictor, scoreExamples } from './evaluation.js';
import { readModelFile } from './model-file.js';

export const evaluate: Command = {
  name: 'eval',
  summary: 'score a checkpoint on unseen puzzles, segment by segment',
  usage: '--checkpoint <file> [--size N] [--segments N] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'a checkpoint written by hrm train', value: '<file>' },
    size: { type: 'string', help: 'unseen puzzles to score', value: '<N>', default: '1000' },
    segments: {
      type: 'string',
      help: 'segments to run (default: the model’s halt_max_steps; more lets it think longer)',
      value: '<N>',
    },
    json: { type: 'boolean', help: 'print one JSON object' },
    out: {
      type: 'string',
      help: 'folder for files the evaluation writes (ARC: submission.json)',
      value: '<folder>',
      default: '.',
    },
  },
  run: (args) => {
    const path = args.string('checkpoint');
    if (!path) throw new UsageError('--checkpoint is required');
    const m = readModelFile(path);
    const size = args.number('size', { integer: true, min: 1 }) ?? 1000;
    const segments = args.number('segments', { integer: true, min: 1 }) ?? m.model.haltMaxSteps;
    const t0 = performance.now();
    if (m.preset.evaluate) {
      const result = m.preset.evaluate(predictor(m), segments);
      const written = Object.entries(result.files ?? {}).map(([name, doc]) => {
        const target = join(args.string('out') ?? '.', name);
        const ok = writeFileAtomic(target, [new TextEncoder().encode(JSON.stringify(doc))]);
        if (E.isLeft(ok)) throw new CliError(`cannot write ${target}: ${ok.left}`);
        return target;
      });
      if (args.flag('json'))
        console.log(
          JSON.stringify({
            checkpoint: path,
            task: m.preset.name,
            step: m.step,
            segments,
            metrics: result.metrics,
            files: written,
          }),
        );
      else console.log(`${result.report}${written.length > 0 ? `\nwrote ${written.join(', ')}` : ''}`);
      return 0;
    }
    const r = scoreExamples(m, m.preset, m.preset.evalExamples(size), segments);
    const seconds = (performance.now() - t0) / 1000;
    if (args.flag('json')) {
      console.log(
        JSON.stringify({
          checkpoint: path,
          task: m.preset.name,
          step: m.step,
          count: r.count,
          segments,
          perSegment: r.perSegment,
          atHalt: r.atHalt,
          meanHaltSegment: r.meanHaltSegment,
          seconds,
        }),
      );
      return 0;
    }
    const keys = Object.keys(r.perSegment[0] ?? {});
    console.log(
      `${m.preset.name}: ${r.count} unseen puzzles, checkpoint ${path} (step ${m.step}), ${seconds.toFixed(1)} s`,
    );
    const width = Math.max(12, ...keys.map((k) => k.length + 2));
    console.log(['segment', ...keys].map((k) => k.padStart(width)).join(''));
    r.perSegment.forEach((s, i) => {
      console.log([String(i + 1), ...keys.map((k) => s[k].toFixed(4))].map((v) => v.padStart(width)).join(''));
    });
    console.log(
      `with ACT halting (mean ${r.meanHaltSegment.toFixed(2)} segments): ${keys.map((k) => `${k} ${r.atHalt[k].toFixed(4)}`).join(', ')}`,
    );
    return 0;
  },
};
