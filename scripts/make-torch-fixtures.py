"""Fixtures written by real PyTorch and numpy, for the tests of packages/hrm/src/torch and src/dataset.

Run through scripts/make-torch-fixtures.sh (which makes the virtual environment). Writes:

packages/hrm/src/torch/fixtures/
  hrm-tiny/step_10          a tiny HRM's state dict saved as the official pretrain.py saves it: the
                            model inside a loss head inside torch.compile's wrapper (names start `_orig_mod.model.`),
                            float32 weights and bfloat16 H_init/L_init, non-persistent buffers left out
  hrm-tiny/all_config.yaml  the run's config as pretrain.py dumps it (yaml.dump of the config)
  hrm-tiny/dataset.json     the dataset metadata the official trainer reads (vocab, seq_len, ids)
  hrm-tiny/values.json      per tensor: shape, exact sum (math.fsum) and first values, to check reading
  hrm-tiny-bf16.pt          the same model with every tensor in bfloat16
  missing.pt, extra.pt      the same state dict less lm_head, and with one tensor too many
  strided.pt, strided.json  a transposed tensor, views at an offset into a shared storage, a scalar, float16
  hostile.pt                a torch.save-shaped zip whose pickle calls os.system: it must be refused unread

With --hrm-repo DIR (a checkout of github.com/sapientinc/HRM), also runs the official dataset builders,
unmodified, on a few puzzles (their Hugging Face download and command-line parser replaced by stubs)
and writes what they write under packages/hrm/src/dataset/fixtures/official/, with the inputs.

With --check-export FILE: loads a file written by `hrm export` with torch.load(weights_only=True) and
prints each tensor's name, dtype and shape, so a person can see PyTorch accept it; with --hrm-repo DIR
and --dataset-json FILE too, builds the official HRM model from the exported all_config.yaml and loads
the state dict into it strictly (every name, shape and dtype must fit).
"""

import argparse
import collections
import io
import json
import math
import os
import shutil
import sys
import types
import zipfile

import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_FIXTURES = os.path.join(ROOT, 'packages/hrm/src/torch/fixtures')
DATASET_FIXTURES = os.path.join(ROOT, 'packages/hrm/src/dataset/fixtures/official')

# The tiny HRM: vocabulary and length of 4x4 Sudoku, so that hrm import infers the task sudoku4.
TINY = dict(hidden=8, heads=2, h_layers=1, l_layers=1, expansion=2, vocab=6, seq_len=16, num_ids=3)


def swiglu_width(hidden, expansion):
    # The official SwiGLU rounds its width up to a multiple of 256.
    w = round(expansion * hidden * 2 / 3)
    return -(w // -256) * 256


class Linear(nn.Module):
    def __init__(self, fan_in, fan_out, bias=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(fan_out, fan_in) / math.sqrt(fan_in))
        if bias:
            self.bias = nn.Parameter(torch.zeros(fan_out))


class Embedding(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.embedding_weight = nn.Parameter(torch.randn(n, dim) / math.sqrt(dim))


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.qkv_proj = Linear(hidden, 3 * hidden)
        self.o_proj = Linear(hidden, hidden)


class SwiGLU(nn.Module):
    def __init__(self, hidden, expansion):
        super().__init__()
        inter = swiglu_width(hidden, expansion)
        self.gate_up_proj = Linear(hidden, 2 * inter)
        self.down_proj = Linear(inter, hidden)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c['hidden'], c['heads'])
        self.mlp = SwiGLU(c['hidden'], c['expansion'])


class Level(nn.Module):
    def __init__(self, c, n):
        super().__init__()
        self.layers = nn.ModuleList([Block(c) for _ in range(n)])


class PuzzleEmbedding(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.weights = nn.Buffer(torch.randn(n, dim) * 0.1, persistent=True)
        self.local_weights = nn.Buffer(torch.zeros(4, dim), persistent=False)
        self.local_ids = nn.Buffer(torch.zeros(4, dtype=torch.int32), persistent=False)


class Rotary(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.cos_cached = nn.Buffer(torch.ones(n, dim), persistent=False)
        self.sin_cached = nn.Buffer(torch.zeros(n, dim), persistent=False)


class Inner(nn.Module):
    """The module tree of the official HRM, with the same attribute names (so the same state dict keys)."""

    def __init__(self, c):
        super().__init__()
        self.embed_tokens = Embedding(c['vocab'], c['hidden'])
        self.lm_head = Linear(c['hidden'], c['vocab'])
        self.q_head = Linear(c['hidden'], 2, bias=True)
        self.puzzle_emb = PuzzleEmbedding(c['num_ids'], c['hidden'])
        self.rotary_emb = Rotary(c['seq_len'] + 1, c['hidden'] // c['heads'])
        self.H_level = Level(c, c['h_layers'])
        self.L_level = Level(c, c['l_layers'])
        self.H_init = nn.Buffer(torch.randn(c['hidden']).to(torch.bfloat16), persistent=True)
        self.L_init = nn.Buffer(torch.randn(c['hidden']).to(torch.bfloat16), persistent=True)
        with torch.no_grad():
            self.q_head.bias.fill_(-5)


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.inner = Inner(c)


class LossHead(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model


class Compiled(nn.Module):
    """What torch.compile returns keeps the model as `_orig_mod`, hence the `_orig_mod.` prefix of every name.
    (torch.compile itself needs packages the --no-deps install of torch lacks; the names are the same.)"""

    def __init__(self, model):
        super().__init__()
        self._orig_mod = model


def all_config(c):
    """The run config as pretrain.py writes it: yaml.dump of the pydantic config's model_dump()."""
    return {
        'arch': {
            'name': 'hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1',
            'loss': {'name': 'losses@ACTLossHead', 'loss_type': 'stablemax_cross_entropy'},
            'halt_exploration_prob': 0.1,
            'halt_max_steps': 3,
            'H_cycles': 2,
            'L_cycles': 2,
            'H_layers': c['h_layers'],
            'L_layers': c['l_layers'],
            'hidden_size': c['hidden'],
            'num_heads': c['heads'],
            'expansion': c['expansion'],
            'puzzle_emb_ndim': c['hidden'],
            'pos_encodings': 'rope',
        },
        'data_path': 'data/tiny',
        'global_batch_size': 4,
        'epochs': 10,
        'lr': 1e-4,
        'lr_min_ratio': 1.0,
        'lr_warmup_steps': 2,
        'weight_decay': 0.1,
        'beta1': 0.9,
        'beta2': 0.95,
        'puzzle_emb_lr': 0.01,
        'puzzle_emb_weight_decay': 0.1,
        'project_name': 'Tiny ACT-torch',
        'run_name': 'HierarchicalReasoningModel_ACTV1 tiny-fixture',
        'checkpoint_path': 'checkpoints/Tiny ACT-torch/HierarchicalReasoningModel_ACTV1 tiny-fixture',
        'seed': 0,
        'checkpoint_every_eval': True,
        'eval_interval': 5,
        'eval_save_outputs': [],
    }


def summary(sd):
    out = {}
    for name, t in sd.items():
        values = t.detach().float().flatten().tolist()
        out[name] = {'dtype': str(t.dtype).removeprefix('torch.'), 'shape': list(t.shape),
                     'fsum': math.fsum(values), 'head': values[:4]}
    return out


def torch_fixtures():
    import yaml

    shutil.rmtree(TORCH_FIXTURES, ignore_errors=True)
    tiny_dir = os.path.join(TORCH_FIXTURES, 'hrm-tiny')
    os.makedirs(tiny_dir)
    torch.manual_seed(0)
    compiled = Compiled(LossHead(Model(TINY)))
    sd = compiled.state_dict()
    torch.save(sd, os.path.join(tiny_dir, 'step_10'))
    with open(os.path.join(tiny_dir, 'all_config.yaml'), 'w') as f:
        yaml.dump(all_config(TINY), f)
    with open(os.path.join(tiny_dir, 'dataset.json'), 'w') as f:
        json.dump({'pad_id': 0, 'ignore_label_id': 0, 'blank_identifier_id': 0, 'vocab_size': TINY['vocab'],
                   'seq_len': TINY['seq_len'], 'num_puzzle_identifiers': TINY['num_ids'], 'total_groups': 1,
                   'mean_puzzle_examples': 1.0, 'sets': ['all']}, f)
    with open(os.path.join(tiny_dir, 'values.json'), 'w') as f:
        json.dump(summary(sd), f, indent=1)

    torch.save({k: v.to(torch.bfloat16) for k, v in sd.items()}, os.path.join(TORCH_FIXTURES, 'hrm-tiny-bf16.pt'))
    missing = collections.OrderedDict((k, v) for k, v in sd.items() if not k.endswith('lm_head.weight'))
    torch.save(missing, os.path.join(TORCH_FIXTURES, 'missing.pt'))
    extra = collections.OrderedDict(sd)
    extra['_orig_mod.model.inner.extra_head.weight'] = torch.zeros(2, 8)
    torch.save(extra, os.path.join(TORCH_FIXTURES, 'extra.pt'))

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 4
    strided = collections.OrderedDict()
    strided['transposed'] = base.t()  # strides (1, 6)
    strided['row'] = base[2]  # offset 12 into the same storage
    strided['column'] = base[:, 3]  # offset 3, stride 6
    strided['scalar'] = torch.tensor(2.5)
    strided['half'] = torch.tensor([0.5, -1.25, 65504.0, 6e-8], dtype=torch.float16)
    torch.save(strided, os.path.join(TORCH_FIXTURES, 'strided.pt'))
    with open(os.path.join(TORCH_FIXTURES, 'strided.json'), 'w') as f:
        json.dump({k: {'shape': list(v.shape), 'values': v.float().flatten().tolist()} for k, v in strided.items()}, f)

    # A pickle that would run a shell command if it were executed: GLOBAL os.system, then REDUCE.
    payload = (b'\x80\x02cos\nsystem\nq\x00X\x18\x00\x00\x00echo pwned > hostile-ran'
               b'q\x01\x85q\x02Rq\x03.')
    with zipfile.ZipFile(os.path.join(TORCH_FIXTURES, 'hostile.pt'), 'w') as z:
        z.writestr('hostile/data.pkl', payload)
        z.writestr('hostile/byteorder', 'little')
        z.writestr('hostile/version', '3\n')
    print(f'wrote {TORCH_FIXTURES}')


# --- The official dataset builders, run unmodified on a few puzzles -------------------------------------

# Public puzzles (magictour top-1465, from the tdoku benchmark lists), solved below.
SUDOKUS = [
    '4...3.......6..8..........1....5..9..8....6...7.2........1.27..5.3....4.9........',
    '7.8...3.....2.1...5.........4.....263...8.......1...9..9.6....4....7.5...........',
    '7.8...3.....6.1...5.........4.....263...8.......1...9..9.2....4....7.5...........',
]

# Small mazes (the builder reads any square size): S start, G goal, # wall, '.' open (a space in the CSV).
MAZES = [
    'S...#' '##.##' '#...#' '#.###' '#...G',
    'S####' '.#...' '...#.' '.#.#.' '####G',
    'S#...' '.#.#.' '...#.' '##.#.' 'G....',
]


def solve_sudoku(puzzle):
    grid = [int(c) if c != '.' else 0 for c in puzzle]

    def options(i):
        r, c = divmod(i, 9)
        used = {grid[r * 9 + k] for k in range(9)} | {grid[k * 9 + c] for k in range(9)}
        br, bc = r // 3 * 3, c // 3 * 3
        used |= {grid[(br + a) * 9 + bc + b] for a in range(3) for b in range(3)}
        return [d for d in range(1, 10) if d not in used]

    def search():
        blanks = [i for i in range(81) if grid[i] == 0]
        if not blanks:
            return True
        i = min(blanks, key=lambda j: len(options(j)))
        for d in options(i):
            grid[i] = d
            if search():
                return True
        grid[i] = 0
        return False

    assert search()
    return ''.join(map(str, grid))


def maze_answer(question):
    """The question with the cells of its (unique) shortest path from S to G marked 'o'."""
    n = int(len(question) ** 0.5)
    start, goal = question.index('S'), question.index('G')
    prev = {start: None}
    queue = [start]
    for cell in queue:
        r, c = divmod(cell, n)
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            nxt = rr * n + cc
            if 0 <= rr < n and 0 <= cc < n and question[nxt] != '#' and nxt not in prev:
                prev[nxt] = cell
                queue.append(nxt)
    cells = list(question)
    at = prev[goal]
    while at != start:
        cells[at] = 'o'
        at = prev[at]
    return ''.join(cells)


ARC_TASKS = {
    'training/a1b2c3d4': {
        'train': [{'input': [[1, 2], [3, 4]], 'output': [[4, 3], [2, 1]]},
                  {'input': [[0, 5, 5]], 'output': [[5, 5, 0]]}],
        'test': [{'input': [[6, 7, 8]], 'output': [[8, 7, 6]]}],
    },
    'evaluation/e5f6a7b8': {
        'train': [{'input': [[1]], 'output': [[2]]}, {'input': [[3, 0], [0, 3]], 'output': [[0, 3], [3, 0]]}],
        'test': [{'input': [[9, 9], [0, 1]], 'output': [[1, 0], [9, 9]]}],
    },
}


def stub_modules(csv_dir):
    """The builders' imports that would reach the network or parse a command line, replaced."""
    argdantic = types.ModuleType('argdantic')

    class ArgParser:
        def command(self, *args, **kwargs):
            return lambda f: f

    argdantic.ArgParser = ArgParser
    tqdm = types.ModuleType('tqdm')
    tqdm.tqdm = lambda x, *a, **k: x
    hub = types.ModuleType('huggingface_hub')
    hub.hf_hub_download = lambda repo, filename, repo_type=None: os.path.join(csv_dir, repo, filename)
    sys.modules.update(argdantic=argdantic, tqdm=tqdm, huggingface_hub=hub)


def dataset_fixtures(hrm_repo):
    import csv

    import numpy as np

    shutil.rmtree(DATASET_FIXTURES, ignore_errors=True)
    sources = os.path.join(DATASET_FIXTURES, 'sources')
    sudoku_dir = os.path.join(sources, 'sudoku-extreme')
    maze_dir = os.path.join(sources, 'maze-hard')
    os.makedirs(sudoku_dir)
    os.makedirs(maze_dir)
    for split, puzzles in (('train', SUDOKUS[:2]), ('test', SUDOKUS[2:])):
        with open(os.path.join(sudoku_dir, f'{split}.csv'), 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['source', 'question', 'answer', 'rating'])
            for p in puzzles:
                w.writerow(['magictour', p, solve_sudoku(p), 5])
    for split, mazes in (('train', MAZES[:2]), ('test', MAZES[2:])):
        with open(os.path.join(maze_dir, f'{split}.csv'), 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['source', 'question', 'answer', 'rating'])
            for m in mazes:
                q = m.replace('.', ' ')
                w.writerow(['fixture', q, maze_answer(q), 0])
    arc_dir = os.path.join(sources, 'arc')
    for name, task in ARC_TASKS.items():
        os.makedirs(os.path.dirname(os.path.join(arc_dir, name)), exist_ok=True)
        with open(os.path.join(arc_dir, f'{name}.json'), 'w') as f:
            json.dump(task, f)

    # The builders' Hugging Face repos map to the folders above.
    links = os.path.join(DATASET_FIXTURES, '.hub')
    os.makedirs(os.path.join(links, 'sapientinc'))
    os.symlink(os.path.abspath(sudoku_dir), os.path.join(links, 'sapientinc', 'sudoku-extreme'))
    os.symlink(os.path.abspath(maze_dir), os.path.join(links, 'sapientinc', 'maze-30x30-hard-1k'))
    stub_modules(links)
    sys.path.insert(0, os.path.join(hrm_repo, 'dataset'))
    import build_arc_dataset
    import build_maze_dataset
    import build_sudoku_dataset

    np.random.seed(0)
    sudoku_cfg = build_sudoku_dataset.DataProcessConfig(output_dir=os.path.join(DATASET_FIXTURES, 'sudoku'))
    for split in ('train', 'test'):
        build_sudoku_dataset.convert_subset(split, sudoku_cfg)
    maze_cfg = build_maze_dataset.DataProcessConfig(output_dir=os.path.join(DATASET_FIXTURES, 'maze'))
    for split in ('train', 'test'):
        build_maze_dataset.convert_subset(split, maze_cfg)
    arc_cfg = build_arc_dataset.DataProcessConfig(
        dataset_dirs=[arc_dir], output_dir=os.path.join(DATASET_FIXTURES, 'arc'), num_aug=0)
    build_arc_dataset.convert_dataset(arc_cfg)
    shutil.rmtree(links)
    print(f'wrote {DATASET_FIXTURES}')


def check_export(path, hrm_repo=None, dataset_json=None):
    sd = torch.load(path, map_location='cpu', weights_only=True)
    for name, t in sd.items():
        print(f'{name}\t{str(t.dtype).removeprefix("torch.")}\t{list(t.shape)}\tsum {t.double().sum().item():.6g}')
    print(f'{path}: torch.load(weights_only=True) read {len(sd)} tensors')
    if not hrm_repo:
        return
    # Build the official model (unmodified; FlashAttention, which it only calls in forward, stubbed) from the
    # exported all_config.yaml and the dataset's dataset.json, as evaluate.py does, and load the state dict
    # strictly: every name, shape and dtype must fit.
    import yaml

    flash = types.ModuleType('flash_attn_interface')
    flash.flash_attn_func = lambda *a, **k: None
    sys.modules['flash_attn_interface'] = flash
    sys.path.insert(0, hrm_repo)
    from models.hrm.hrm_act_v1 import HierarchicalReasoningModel_ACTV1
    from models.losses import ACTLossHead

    with open(os.path.join(os.path.dirname(path), 'all_config.yaml')) as f:
        arch = dict(yaml.safe_load(f)['arch'])
    with open(dataset_json) as f:
        meta = json.load(f)
    arch.pop('name')
    loss = arch.pop('loss')
    model = HierarchicalReasoningModel_ACTV1(dict(
        **arch, batch_size=1, vocab_size=meta['vocab_size'], seq_len=meta['seq_len'],
        num_puzzle_identifiers=meta['num_puzzle_identifiers'], causal=False))
    print(Compiled(ACTLossHead(model, loss_type=loss['loss_type'])).load_state_dict(sd, strict=True, assign=True))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--hrm-repo', help='a checkout of github.com/sapientinc/HRM: also write dataset fixtures')
    parser.add_argument('--check-export', help='torch.load a file written by hrm export and list its tensors')
    parser.add_argument('--dataset-json', help='with --check-export and --hrm-repo: the dataset.json of the model')
    args = parser.parse_args()
    if args.check_export:
        check_export(args.check_export, args.hrm_repo, args.dataset_json)
        return
    torch_fixtures()
    if args.hrm_repo:
        dataset_fixtures(args.hrm_repo)
    else:
        print('no --hrm-repo: the dataset fixtures were left as they are')


if __name__ == '__main__':
    main()
