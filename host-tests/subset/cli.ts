// `node dist/host-tests/subset/cli.js src/core [more paths]`: prints one `file:line: rule: text`
// line per subset violation and exits 1 when there is any, 0 when the code is clean.
import * as fs from 'node:fs';
import { checkPath, formatViolation } from './checker.js';

const args = process.argv.slice(2);
if (args.length === 0) {
  process.stderr.write('usage: cli.js <dir or file>...\n');
  process.exit(2);
}
let count = 0;
for (const arg of args) {
  if (!fs.existsSync(arg)) {
    process.stderr.write(`subset: no such file or directory: ${arg}\n`);
    process.exit(2);
  }
  for (const v of checkPath(arg)) {
    process.stdout.write(formatViolation(v) + '\n');
    count++;
  }
}
if (count > 0) {
  process.stderr.write(`subset: ${count} violation${count === 1 ? '' : 's'}\n`);
  process.exit(1);
}
