/**
 * Watch HRM think: the page. It lists a task for every committed checkpoint, starts the engine worker
 * on the wasm backend, and wires the Solve and Train views to it.
 */
import './styles.css';
import { CHECKPOINTS } from './checkpoints.js';
import { tasksFor } from './puzzles/index.js';
import { byId } from './ui/dom.js';
import { tabs } from './ui/tabs.js';
import { BackendControl } from './views/backend-control.js';
import { SolveView } from './views/solve-view.js';
import { TrainView } from './views/train-view.js';

const tasks = tasksFor(CHECKPOINTS.keys());
if (tasks.length === 0) throw new Error('no checkpoints were found in packages/hrm/checkpoints at build time');
const backend = new BackendControl(tasks.find((t) => t.name === 'sudoku6') ?? tasks[0]);
new SolveView(tasks, backend);
new TrainView('sudoku4', backend);
tabs(byId('tabs'));
document.body.dataset.ready = 'true';
