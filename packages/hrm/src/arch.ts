/** The reasoner a model config describes: HRM or TRM, by `arch`. */
import type { ModelConfig } from './config.js';
import { type HrmStates, hrm } from './hrm.js';
import type { HrmBuffers, HrmParams } from './params.js';
import type { Reasoner } from './reasoner.js';
import { trm } from './trm.js';

/** The reasoner of a model config: `hrm(cfg)` or `trm(cfg)`. */
export function reasonerFor(cfg: ModelConfig): Reasoner<HrmParams, HrmBuffers, HrmStates> {
  return cfg.arch === 'trm' ? trm(cfg) : hrm(cfg);
}
