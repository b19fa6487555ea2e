// The program both runtimes (host XS, emulated ESP8266) run for the persistence tests: the
// flash store over partition `session`, the cases of fixtures/persist-xs.ts, then `body`.
import { join } from 'node:path';
import { ROOT } from './helpers.js';

/** The host runtime's `flash` module, bundled beside the program. */
export const FLASH_MODULE = join(ROOT, 'targets/xs/modules/flash.js');

export function persistEntry(body: string): string {
  return [
    `import { FlashSessionStore } from 'targets/moddable/flash-store.js';`,
    `import { installBuffer } from './fixtures/ava-shim.js';`,
    `import { cutsOnStore, offlinePublisher, journalAllocation } from './fixtures/persist-xs.js';`,
    `installBuffer();`,
    `const store = new FlashSessionStore('session');`,
    `const print = (s) => globalThis.print(s);`,
    body,
  ].join('\n');
}
