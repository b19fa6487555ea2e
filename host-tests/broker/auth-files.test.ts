// Password files written by mosquitto_passwd, and ACL deny rules inside a granted tree.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Acl, hashPassword, PasswordFile, verifyPassword } from '../../src/broker/auth.js';
import { broker, client, collect } from './helpers.js';

// Written by mosquitto_passwd 2.0.11: -b (default sha512-pbkdf2) and -H sha512.
const PBKDF2 = '$7$101$qpRe0k3CoKmqVDLM$ncurDe9P1GRNkd6xJOM2929+eijKzmvNuxfX4JhomcPw1gadqvNbi1pXsLZPDjRO25noiWXT1nxKMljhpLFfSg==';
const SHA512 = '$6$Ckq9b8KKGR9EOXyx$gPMU7Z2h2Bu6c0iAZ7ppNuKEf+NYSDsQfWWOmhWgzLX9f3CnwCEgvWVg0HBm+S6cbPhKSN3ilwQl+QoD4pMBzg==';

function tempFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'xsmqtt-auth-')), 'passwd');
  writeFileSync(file, text);
  return file;
}

test('mosquitto_passwd entries: sha512-pbkdf2 ($7$) and sha512 ($6$) verify', (t) => {
  t.true(verifyPassword(PBKDF2, 's3cret'));
  t.false(verifyPassword(PBKDF2, 's3creT'));
  t.true(verifyPassword(SHA512, 'pw'));
  t.false(verifyPassword(SHA512, 'pw '));
  t.true(verifyPassword(hashPassword('ours'), 'ours'));
  const pf = PasswordFile.load(tempFile(`alice:${PBKDF2}\nbob:${SHA512}\n`));
  t.true(pf.check('alice', 's3cret'));
  t.true(pf.check('bob', 'pw'));
  t.false(pf.check('bob', 's3cret'));
});

test('a file written by the mosquitto_passwd on this machine logs in', (t) => {
  let file: string;
  try {
    file = tempFile('');
    execFileSync('mosquitto_passwd', ['-b', file, 'carol', 'pa:ss word'], { stdio: 'ignore' });
  } catch {
    t.log('SKIP: mosquitto_passwd is not installed (the fixed entries above cover its formats)');
    t.pass();
    return;
  }
  t.regex(readFileSync(file, 'utf8'), /^carol:\$7\$/);
  t.true(PasswordFile.load(file).check('carol', 'pa:ss word'));
});

test('a password file the broker cannot check is refused on load, with the user and the reason', (t) => {
  const plain = t.throws(() => PasswordFile.load(tempFile('dave:plaintext\n')));
  t.regex(plain.message, /user 'dave': the password is not hashed .*mosquitto_passwd -U/);
  const argon = t.throws(() => PasswordFile.load(tempFile('erin:$argon2id$v=19$m=65536$abc$def\n')));
  t.regex(argon.message, /user 'erin': unknown hash format '\$argon2id\$'/);
  const empty = t.throws(() => PasswordFile.load(tempFile('frank:$7$101$$\n')));
  t.regex(empty.message, /user 'frank'/);
});

test('ACL deny: one topic refused inside a granted tree, for publish and subscribe', (t) => {
  const acl = Acl.parse(['topic readwrite #', 'topic deny test/nosubscribe', 'pattern deny private/%c/#'].join('\n'));
  t.true(acl.canSubscribe(null, 'c1', '#'));
  t.true(acl.canSubscribe(null, 'c1', 'test/+'));
  t.false(acl.canSubscribe(null, 'c1', 'test/nosubscribe'));
  t.true(acl.canPublish(null, 'c1', 'test/other'));
  t.false(acl.canPublish(null, 'c1', 'test/nosubscribe'));
  t.true(acl.denies(null, 'c1', 'test/nosubscribe'));
  t.false(acl.denies(null, 'c1', 'test/other'));
  // The pattern rule substitutes the client id: c1's tree is denied to c1 only.
  t.false(acl.canSubscribe(null, 'c1', 'private/c1/x'));
  t.false(acl.canPublish(null, 'c1', 'private/c1/x/y'));
  t.true(acl.canPublish(null, 'c2', 'private/c1/x'));
  // Order does not matter: a deny written before the grant still wins.
  const before = Acl.parse('topic deny a/b\ntopic readwrite a/#');
  t.false(before.canPublish(null, 'c', 'a/b'));
  t.true(before.canPublish(null, 'c', 'a/c'));
});

test('ACL deny on the broker: "everything except test/nosubscribe", refused as a filter and skipped on delivery', async (t) => {
  const acl = Acl.parse(['client all', 'topic readwrite #', 'topic deny test/nosubscribe', 'client pub', 'topic readwrite #'].join('\n'));
  const b = await broker(t, { acl });
  const sub = await client(t, b.port, { protocolVersion: 5, clientId: 'all' });
  const got = collect(sub);
  const granted = async (filter: string): Promise<number> => {
    try {
      return (await sub.subscribeAsync(filter, { qos: 1 }))[0].qos;
    } catch (e) {
      return (e as { packet: { granted: number[] } }).packet.granted[0];
    }
  };
  t.is(await granted('test/nosubscribe'), 0x87);
  t.is(await granted('#'), 1);
  // 'pub' may write anywhere; 'all' may not read test/nosubscribe though its '#' covers it.
  const pub = await client(t, b.port, { protocolVersion: 5, clientId: 'pub' });
  await pub.publishAsync('test/nosubscribe', 'no', { qos: 1 });
  await pub.publishAsync('test/other', 'yes', { qos: 1 });
  // Delivered in order: the message after the denied one arrives, and nothing of the denied topic.
  const [m] = await got.take(1);
  t.is(m.topic, 'test/other');
  t.deepEqual(got.list.map((r) => r.topic), ['test/other']);
});
