/**
 * Compile-time errors name the problem. `shape.test-d.ts` checks that mismatches fail to compile;
 * this runs the real compiler on a snippet and checks what it says.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(root, 'node_modules', '.type-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compile(source: string): string {
  writeFileSync(join(dir, 'snippet.ts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: { composite: false, noEmit: true, noUnusedLocals: false },
      files: ['snippet.ts'],
    }),
  );
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

describe('compile-time shape errors read like run-time ones', () => {
  it('names the op and the dims', () => {
    const out = compile(`
      import { add, exp, matmul, softmax, sum, zeros, type Tensor } from '@hrm/core';
      declare const x: Tensor<['B', 81, 128]>;
      declare const xi: Tensor<['B', 81, 128], 'int32'>;
      declare const c: Tensor<['C', 81, 128]>;
      matmul(x, zeros([64, 64]));
      add(x, c);
      add(x, xi);
      add(x, zeros([64]));
      exp(xi);
      sum(x, 3);
      softmax(x, -4);
    `);
    expect(out).toContain('Incompatible<"matmul: inner dims 128 and 64 differ">');
    expect(out).toContain('Incompatible<"add: dims B and C do not broadcast">');
    expect(out).toContain('Incompatible<"add: dtypes float32 and int32 differ">');
    expect(out).toContain('Incompatible<"add: dims 128 and 64 do not broadcast">');
    expect(out).toMatch(
      /Tensor<\["B", 81, 128\], "int32">' is not assignable to parameter of type 'Tensor<\["B", 81, 128\], FloatDType>'/,
    );
    expect(out).toContain('Incompatible<"sum: axis 3 is out of range for rank 3">');
    expect(out).toContain('Incompatible<"softmax: axis -4 is out of range for rank 3">');
  });

  it('accepts the same code when the shapes fit', () => {
    expect(
      compile(`
        import { add, matmul, zeros, type Tensor } from '@hrm/core';
        declare const x: Tensor<['B', 81, 128]>;
        const y: Tensor<['B', 81, 64]> = matmul(x, zeros([128, 64]));
        add(y, zeros([64]));
      `),
    ).toBe('');
  });
});
