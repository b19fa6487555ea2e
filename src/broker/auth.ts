// Users and access control: a password file of scrypt-hashed entries, and an ACL file of
// read/write patterns per user and per client (mosquitto's format, plus `client` sections).
import { createHash, pbkdf2Sync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { filterCovers, topicMatches } from './topic-tree.js';

// scrypt cost: N=2^14, r=8, p=1 (the Node default); about 30 ms per check, cached per connection attempt.
const N = 16384;
const R = 8;
const P = 1;

/** `user:$scrypt$N$r$p$salt$hash` (salt and hash in base64). */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N, r: R, p: P });
  return `$scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * Checks a password against a password-file entry: ours (`$scrypt$N$r$p$salt$hash`) or
 * mosquitto_passwd's (`$7$iterations$salt$hash`, PBKDF2-SHA512, its default since 2.0; `$6$salt$hash`,
 * salted SHA-512, 1.6 and earlier). Salt and hash are base64.
 */
export function verifyPassword(entry: string, password: string): boolean {
  const parts = entry.split('$');
  let got: Buffer;
  let want: Buffer;
  if (parts.length === 7 && parts[1] === 'scrypt') {
    // ['', 'scrypt', N, r, p, salt, hash]
    const n = Number(parts[2]);
    const r = Number(parts[3]);
    want = Buffer.from(parts[6], 'base64');
    got = scryptSync(password, Buffer.from(parts[5], 'base64'), want.length, { N: n, r, p: Number(parts[4]), maxmem: 256 * n * r + 1024 * 1024 });
  } else if (parts.length === 5 && parts[1] === '7') {
    want = Buffer.from(parts[4], 'base64');
    got = pbkdf2Sync(password, Buffer.from(parts[3], 'base64'), Number(parts[2]), want.length, 'sha512');
  } else if (parts.length === 4 && parts[1] === '6') {
    want = Buffer.from(parts[3], 'base64');
    got = createHash('sha512').update(password).update(Buffer.from(parts[2], 'base64')).digest();
  } else {
    return false;
  }
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Why an entry cannot be checked, or null when its format is one verifyPassword knows. */
export function entryProblem(entry: string): string | null {
  const parts = entry.split('$');
  const ok = (parts.length === 7 && parts[1] === 'scrypt' && Number(parts[2]) > 1)
    || (parts.length === 5 && parts[1] === '7' && Number(parts[2]) > 0)
    || (parts.length === 4 && parts[1] === '6');
  if (ok && parts.slice(2).every((x) => x !== '')) return null;
  if (!entry.startsWith('$')) return 'the password is not hashed (hash it with `xsmqtt broker passwd FILE USER PASSWORD` or `mosquitto_passwd -U FILE`)';
  return `unknown hash format '${parts.slice(0, 2).join('$')}$' (known: $scrypt$ from xsmqtt, $7$ and $6$ from mosquitto_passwd)`;
}

export class PasswordFile {
  users = new Map<string, string>();
  private cache = new Map<string, boolean>();

  static load(path: string): PasswordFile {
    const pf = new PasswordFile();
    for (const raw of readFileSync(path, 'utf8').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`${path}: bad line '${line}' (expected user:$scrypt$...)`);
      const user = line.slice(0, colon);
      const problem = entryProblem(line.slice(colon + 1));
      if (problem !== null) throw new Error(`${path}: user '${user}': ${problem}`);
      pf.users.set(user, line.slice(colon + 1));
    }
    return pf;
  }

  check(user: string, password: string): boolean {
    const entry = this.users.get(user);
    if (entry === undefined) return false;
    const key = `${user}\0${password}`;
    let ok = this.cache.get(key);
    if (ok === undefined) {
      ok = verifyPassword(entry, password);
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(key, ok);
    }
    return ok;
  }
}

/** Adds or replaces a user in the password file (created when missing). */
export function addUser(path: string, user: string, password: string): void {
  if (user === '' || user.includes(':')) throw new Error('user names may not be empty or contain ":"');
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
  const kept = lines.filter((l) => !l.startsWith(`${user}:`));
  kept.push(`${user}:${hashPassword(password)}`);
  writeFileSync(path, kept.join('\n') + '\n', { mode: 0o600 });
}

interface AclRule {
  read: boolean;
  write: boolean;
  /** `deny`: no access to matching topics, whatever else grants (checked before grants, as mosquitto does). */
  deny: boolean;
  pattern: string;
  /** Pattern rules substitute %u and %c. */
  substitute: boolean;
}

/**
 * ACL file, one rule per line:
 *   topic [read|write|readwrite|deny] FILTER   applies to the current `user NAME` / `client ID`
 *                                              section (or to anonymous clients before any section)
 *   pattern [read|write|readwrite|deny] FILTER applies to everyone; %u = user name, %c = client id
 *   user NAME / client ID                      starts a section
 * With an ACL, what no rule allows is refused, and what a deny rule matches is refused even
 * inside a granted tree: a subscription the deny filter covers is refused, and messages on
 * denied topics are neither accepted nor delivered.
 */
export class Acl {
  private byUser = new Map<string, AclRule[]>();
  private byClient = new Map<string, AclRule[]>();
  private anonymous: AclRule[] = [];
  private patterns: AclRule[] = [];

  static load(path: string): Acl {
    return Acl.parse(readFileSync(path, 'utf8'), path);
  }

  static parse(text: string, name = 'acl'): Acl {
    const acl = new Acl();
    let section: AclRule[] = acl.anonymous;
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const words = line.split(/\s+/);
      const key = words[0];
      const rest = (n: number): string => words.slice(n).join(' ');
      if (key === 'user' || key === 'client') {
        const id = rest(1);
        const map = key === 'user' ? acl.byUser : acl.byClient;
        section = map.get(id) ?? [];
        map.set(id, section);
        return;
      }
      if (key !== 'topic' && key !== 'pattern') throw new Error(`${name}:${i + 1}: unknown keyword '${key}'`);
      let access = 'readwrite';
      let pattern = rest(1);
      if (['read', 'write', 'readwrite', 'deny'].includes(words[1]) && words.length > 2) {
        access = words[1];
        pattern = rest(2);
      }
      if (pattern === '') throw new Error(`${name}:${i + 1}: missing topic`);
      const deny = access === 'deny';
      const rule: AclRule = { read: !deny && access.includes('read'), write: !deny && access.includes('write'), deny, pattern, substitute: key === 'pattern' };
      (key === 'pattern' ? acl.patterns : section).push(rule);
    });
    return acl;
  }

  private rules(user: string | null, clientId: string): AclRule[][] {
    const out: AclRule[][] = [this.patterns];
    if (user === null) out.push(this.anonymous);
    else {
      const u = this.byUser.get(user);
      if (u) out.push(u);
    }
    const c = this.byClient.get(clientId);
    if (c) out.push(c);
    return out;
  }

  private expand(rule: AclRule, user: string | null, clientId: string): string {
    if (!rule.substitute) return rule.pattern;
    return rule.pattern.replace(/%u/g, user ?? '').replace(/%c/g, clientId);
  }

  /** Whether a deny rule matches the topic: nothing is published to it or delivered from it. */
  denies(user: string | null, clientId: string, topic: string): boolean {
    for (const list of this.rules(user, clientId)) {
      for (const r of list) if (r.deny && topicMatches(this.expand(r, user, clientId), topic)) return true;
    }
    return false;
  }

  canPublish(user: string | null, clientId: string, topic: string): boolean {
    if (this.denies(user, clientId, topic)) return false;
    for (const list of this.rules(user, clientId)) {
      for (const r of list) if (r.write && topicMatches(this.expand(r, user, clientId), topic)) return true;
    }
    return false;
  }

  /** A filter some deny rule covers entirely is refused; one that overlaps a denied topic is not (delivery skips it). */
  canSubscribe(user: string | null, clientId: string, filter: string): boolean {
    for (const list of this.rules(user, clientId)) {
      for (const r of list) if (r.deny && filterCovers(this.expand(r, user, clientId), filter)) return false;
    }
    for (const list of this.rules(user, clientId)) {
      for (const r of list) if (r.read && filterCovers(this.expand(r, user, clientId), filter)) return true;
    }
    return false;
  }
}
