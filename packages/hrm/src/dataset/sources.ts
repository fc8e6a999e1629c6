/**
 * Where the public puzzle data comes from, pinned: the versions the official HRM code uses (its git
 * submodules fix ARC-AGI-1, ARC-AGI-2 and ConceptARC at commits), each checked after download against git
 * object ids taken from those commits: the tree id of the unpacked folder, or the blob id of the file.
 * GitHub does not promise that an archive's bytes stay the same, so archives are pinned by what they
 * unpack to; a `sha256` of the downloaded bytes is checked too where one is known.
 *
 * Sapient's Sudoku-Extreme and Maze-Hard CSVs live on Hugging Face, with no commit pinned in the official
 * code and no hash that could be checked here: they are downloaded only with `--allow-unpinned`, and the
 * sha256 of what arrived is printed so that it can be pinned. docs/scaling-out.md has this table for people.
 */

/** How a download becomes files in the data folder. */
export type Unpack =
  /** A zip of a repository at a commit: its folder `folder` (below the archive's top folder) becomes `into`. */
  | { readonly kind: 'zip-folder'; readonly folder: string; readonly into: string }
  /** A zip holding files: each named `from` (in any folder of the zip) becomes `to`. */
  | { readonly kind: 'zip-files'; readonly files: readonly { readonly from: string; readonly to: string }[] }
  /** The file itself becomes `to`; `questionAnswer` keeps only a CSV's question and answer columns. */
  | { readonly kind: 'file'; readonly to: string; readonly questionAnswer?: boolean };

export interface DataSource {
  /** What `hrm data download <set>` calls it; a set may have several files. */
  readonly set: string;
  readonly name: string;
  readonly url: string;
  /** The sha256 of the downloaded bytes, where known. */
  readonly sha256?: string;
  /** The git blob id of the downloaded file, from the pinned commit. */
  readonly gitBlob?: string;
  /** The git tree id of the unpacked folder, from the pinned commit. */
  readonly gitTree?: string;
  readonly unpack: Unpack;
  readonly licence: string;
}

const github = (repo: string, commit: string) => `https://github.com/${repo}/archive/${commit}.zip`;
const hf = (repo: string, file: string) => `https://huggingface.co/datasets/${repo}/resolve/main/${file}`;

export const DATA_SOURCES: readonly DataSource[] = [
  {
    set: 'arc-agi-1',
    name: 'ARC-AGI-1 (fchollet/ARC-AGI at 3990304)',
    url: github('fchollet/ARC-AGI', '399030444e0ab0cc8b4e199870fb20b863846f34'),
    gitTree: '254bd2a527d91e55f7c360d4c7fd54f15962adc9',
    unpack: { kind: 'zip-folder', folder: 'data', into: 'arc-agi-1' },
    licence: 'Apache-2.0',
  },
  {
    set: 'arc-agi-2',
    name: 'ARC-AGI-2 (arcprize/ARC-AGI-2 at f3283f7)',
    url: github('arcprize/ARC-AGI-2', 'f3283f727488ad98fe575ea6a5ac981e4a188e49'),
    gitTree: 'e43b87b55bfcffa0d13a966a88fe58c3472f5450',
    unpack: { kind: 'zip-folder', folder: 'data', into: 'arc-agi-2' },
    licence: 'Apache-2.0',
  },
  {
    set: 'conceptarc',
    name: 'ConceptARC (victorvikram/ConceptARC at b22ef52)',
    url: github('victorvikram/ConceptARC', 'b22ef526b4656679816b7811e78f55cc24d736d7'),
    gitTree: 'f27540db6c247961333d6d1d053eea6f5e90c321',
    unpack: { kind: 'zip-folder', folder: 'corpus', into: 'conceptarc/corpus' },
    licence: 'MIT',
  },
  {
    set: 'sudoku-tdoku',
    name: 'the tdoku benchmark lists (t-dillon/tdoku data.zip at af42618)',
    url: 'https://raw.githubusercontent.com/t-dillon/tdoku/af426180dc53aef89b82868e7b3fdfcf42165654/data.zip',
    gitBlob: '2ae6e4f8d021d2198069814c7db18bf11fcd9591',
    unpack: {
      kind: 'zip-files',
      files: [
        { from: 'puzzles2_17_clue', to: 'sudoku/tdoku_puzzles2_17_clue.txt' },
        { from: 'puzzles3_magictour_top1465', to: 'sudoku/tdoku_puzzles3_magictour_top1465.txt' },
        { from: 'puzzles5_forum_hardest_1905_11+', to: 'sudoku/tdoku_puzzles5_forum_hardest_1905_11plus.txt' },
        { from: 'puzzles6_forum_hardest_1106', to: 'sudoku/tdoku_puzzles6_forum_hardest_1106.txt' },
      ],
    },
    licence: 'BSD-2-Clause',
  },
  ...(['train', 'test'] as const).map(
    (split): DataSource => ({
      set: 'sudoku-extreme',
      name: `Sudoku-Extreme ${split}.csv (Hugging Face sapientinc/sudoku-extreme, unpinned)`,
      url: hf('sapientinc/sudoku-extreme', `${split}.csv`),
      unpack: { kind: 'file', to: `sudoku-extreme/${split}.csv` },
      licence: 'see the dataset card',
    }),
  ),
  ...(['train', 'test'] as const).map(
    (split): DataSource => ({
      set: 'maze-hard',
      name: `Maze-Hard ${split}.csv (Hugging Face sapientinc/maze-30x30-hard-1k, unpinned)`,
      url: hf('sapientinc/maze-30x30-hard-1k', `${split}.csv`),
      unpack: { kind: 'file', to: `maze-30x30-hard-1k/${split}.csv`, questionAnswer: true },
      licence: 'see the dataset card',
    }),
  ),
];

/** The sets `hrm data download` knows, in table order. */
export const DATA_SETS: readonly string[] = [...new Set(DATA_SOURCES.map((s) => s.set))];

/** Whether a source can be checked: a sha256, or a git id from a pinned commit. */
export const isPinned = (s: DataSource) => s.sha256 !== undefined || s.gitBlob !== undefined || s.gitTree !== undefined;
