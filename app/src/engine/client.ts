/** The page's side of the engine worker: requests as promises, one worker per backend. */
import type { BackendChoice, BackendInfo, EngineReply, EngineRequest, ModelSummary } from './protocol.js';
import type { SolveTrace } from './solve.js';

type Request = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type ReplyOf<T extends EngineReply['type']> = Extract<EngineReply, { type: T }>;

export class Engine {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: EngineReply) => void>();

  private constructor() {
    this.worker = new Worker(new URL('./solve.worker.ts', import.meta.url), { type: 'module', name: 'hrm-engine' });
    this.worker.onmessage = (event: MessageEvent<EngineReply>) => {
      const done = this.pending.get(event.data.id);
      this.pending.delete(event.data.id);
      done?.(event.data);
    };
    this.worker.onerror = (event) => {
      const reply = { id: 0, type: 'error', message: event.message || 'the engine worker failed' } as const;
      for (const [id, done] of this.pending) done({ ...reply, id });
      this.pending.clear();
    };
  }

  private call<T extends EngineReply['type']>(request: Request, expect: T): Promise<ReplyOf<T>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => {
        if (reply.type === expect) resolve(reply as ReplyOf<T>);
        else reject(new Error(reply.type === 'error' ? reply.message : `unexpected reply ${reply.type}`));
      });
      this.worker.postMessage({ ...request, id } as EngineRequest);
    });
  }

  /** A worker running `choice`, or an error saying why that backend cannot start. */
  static async start(choice: BackendChoice): Promise<{ engine: Engine; info: BackendInfo }> {
    const engine = new Engine();
    try {
      const { info } = await engine.call({ type: 'start', backend: choice }, 'started');
      return { engine, info };
    } catch (e) {
      engine.close();
      throw e;
    }
  }

  async load(task: string, url: string): Promise<{ model: ModelSummary; ms: number }> {
    const { model, ms } = await this.call({ type: 'load', task, url }, 'loaded');
    return { model, ms };
  }

  async solve(task: string, inputs: readonly number[]): Promise<SolveTrace> {
    return (await this.call({ type: 'solve', task, inputs }, 'solved')).trace;
  }

  close(): void {
    this.worker.terminate();
    for (const [id, done] of this.pending) done({ id, type: 'error', message: 'the engine was closed' });
    this.pending.clear();
  }
}
