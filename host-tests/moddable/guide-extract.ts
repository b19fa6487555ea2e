// The app of docs/moddable.md: its fenced blocks marked ```ts file=guide/<name>.ts and
// ```json file=guide/manifest.json are the files of one Moddable app. This writes them into
// build/lin/apps/guide-app/ (apps.ts's guide-app, built by build-apps.ts and run by
// guide.test.ts), so that the snippets the guide shows are the code that is built and run.
//   node dist/host-tests/moddable/guide-extract.js [DIR]
// Extraction is deterministic: a block's lines as written, with one final newline; a file is
// rewritten only when its content changes (its date is a build input), and files of an earlier
// extraction that the guide no longer has are removed.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lin.js';

/** The guide, relative to the repository. */
export const GUIDE = 'docs/moddable.md';
/** Where its app is written, relative to the repository (apps.ts's guide-app dir). */
export const GUIDE_APP = 'build/lin/apps/guide-app';

/** A marked fence's opening line: ```ts file=guide/<name>.ts or ```json file=guide/manifest.json. */
const OPEN = /^```(ts|json) file=guide\/([A-Za-z0-9_-]+\.(?:ts|json))\s*$/;

/** The files the guide's marked blocks give: name -> content. Throws on a malformed or repeated block. */
export function guideFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```') && line.includes('file=')) {
      const m = OPEN.exec(line);
      if (m === null) throw new Error(`${GUIDE}:${i + 1}: a marked block must open with \`\`\`ts file=guide/<name>.ts or \`\`\`json file=guide/<name>.json: ${line}`);
      const [, lang, name] = m;
      if (!name.endsWith(`.${lang}`)) throw new Error(`${GUIDE}:${i + 1}: ${name} in a \`\`\`${lang} block`);
      if (files.has(name)) throw new Error(`${GUIDE}:${i + 1}: guide/${name} is given twice`);
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && lines[j] !== '```'; j++) body.push(lines[j]);
      if (j === lines.length) throw new Error(`${GUIDE}:${i + 1}: guide/${name} is not closed`);
      files.set(name, body.join('\n') + '\n');
      i = j;
    }
  }
  for (const needed of ['main.ts', 'manifest.json']) {
    if (!files.has(needed)) throw new Error(`${GUIDE} has no block marked file=guide/${needed}`);
  }
  JSON.parse(files.get('manifest.json') as string);
  return files;
}

/** The guide's files, read from the repository. */
export function readGuideFiles(root = ROOT): Map<string, string> {
  return guideFiles(readFileSync(join(root, GUIDE), 'utf8'));
}

/** Writes the guide's app into `dir` (default build/lin/apps/guide-app); returns the file names. */
export function extractGuide(dir = join(ROOT, GUIDE_APP), root = ROOT): string[] {
  const files = readGuideFiles(root);
  mkdirSync(dir, { recursive: true });
  for (const e of readdirSync(dir)) {
    if (/\.(ts|json)$/.test(e) && !files.has(e)) rmSync(join(dir, e));
  }
  for (const [name, text] of files) {
    const file = join(dir, name);
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    writeFileSync(file, text);
  }
  return [...files.keys()].sort();
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] !== undefined ? resolve(process.argv[2]) : join(ROOT, GUIDE_APP);
  process.stdout.write(`${extractGuide(dir).join(' ')} -> ${dir}\n`);
}
