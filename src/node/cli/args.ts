// The one argument parser every `xsmqtt` command uses: options declared once (short and long
// names, values, ranges), read from argv, and turned into the command's --help text.

/** A bad command line; the message is one line. */
export class UsageError extends Error {}

export interface OptionSpec {
  /** Key the values are stored under. */
  name: string;
  /** '-t' */
  short?: string;
  /** '--topic' */
  long?: string;
  /** Names of the values it takes, for the help ('TOPIC'); none: a flag. */
  values?: string[];
  /** More values after the declared ones, decided by those (-D ... user-property KEY VALUE). */
  extra?: (values: string[]) => number;
  /** A whole number in [min, max] (the single value). */
  int?: [number, number];
  /** The values accepted (the single value). */
  choices?: string[];
  /** What the value is, for error messages ('QoS'); default 'value'. */
  what?: string;
  /** Help text; several lines allowed. */
  help: string;
  /** Heading the option is listed under. */
  section?: string;
  /** Accepted and listed, but refused with this reason when given. */
  unsupported?: string;
}

/** What was given: each option's occurrences in order, each with its values. */
export class ParsedArgs {
  readonly seen = new Map<string, string[][]>();
  readonly positionals: string[] = [];

  has(name: string): boolean {
    return this.seen.has(name);
  }

  /** The last occurrence's (first) value. */
  value(name: string): string | undefined {
    const all = this.seen.get(name);
    return all === undefined ? undefined : all[all.length - 1][0];
  }

  /** The last occurrence's value as a number (range checked when parsed). */
  int(name: string): number | undefined {
    const v = this.value(name);
    return v === undefined ? undefined : Number(v);
  }

  /** Every occurrence's first value. */
  all(name: string): string[] {
    return (this.seen.get(name) ?? []).map((v) => v[0]);
  }

  /** Every occurrence with all its values. */
  groups(name: string): string[][] {
    return this.seen.get(name) ?? [];
  }
}

function label(o: OptionSpec): string {
  return [o.short, o.long].filter((x) => x !== undefined).join(', ');
}

function checkValue(o: OptionSpec, flag: string, v: string): void {
  const bad = (expected: string): never => { throw new UsageError(`invalid ${o.what ?? 'value'} '${v}' for ${flag} (${expected})`); };
  if (o.int !== undefined) {
    const [min, max] = o.int;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) bad(`a whole number from ${min} to ${max}`);
  }
  if (o.choices !== undefined && !o.choices.includes(v)) bad(o.choices.join(', '));
}

/** The specs with a heading set on each. */
export function section(title: string, specs: OptionSpec[]): OptionSpec[] {
  return specs.map((o) => ({ ...o, section: title }));
}

/**
 * Reads argv against the declarations: `--flag value`, `--flag=value`, `-f value`, repeated
 * options. Throws UsageError on an unknown option, a missing or bad value, or (unless allowed)
 * an argument that is not an option.
 */
export function parseOptions(specs: readonly OptionSpec[], argv: readonly string[], allowPositionals = false): ParsedArgs {
  const byFlag = new Map<string, OptionSpec>();
  for (const o of specs) {
    if (o.short !== undefined) byFlag.set(o.short, o);
    if (o.long !== undefined) byFlag.set(o.long, o);
  }
  const out = new ParsedArgs();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const o = byFlag.get(flag);
    if (o === undefined) {
      if (!arg.startsWith('-') || arg === '-') {
        if (allowPositionals) {
          out.positionals.push(arg);
          continue;
        }
        throw new UsageError(`unexpected argument '${arg}'`);
      }
      throw new UsageError(`unknown option '${flag}'`);
    }
    if (o.unsupported !== undefined) throw new UsageError(`${flag} is not supported: ${o.unsupported}`);
    const wanted = o.values?.length ?? 0;
    const values: string[] = [];
    if (eq > 0) {
      if (wanted !== 1) throw new UsageError(wanted === 0 ? `${flag} takes no value` : `${flag} takes ${wanted} values, not ${flag}=...`);
      values.push(arg.slice(eq + 1));
    } else {
      const take = (n: number): void => {
        for (let k = 0; k < n; k++) {
          if (i + 1 >= argv.length) throw new UsageError(`${flag} needs ${wanted === 1 ? 'a value' : `${wanted} values`} (${(o.values ?? []).join(' ')})`);
          values.push(argv[++i]);
        }
      };
      take(wanted);
      if (o.extra !== undefined) take(o.extra(values));
    }
    if (wanted === 1) checkValue(o, flag, values[0]);
    const list = out.seen.get(o.name);
    if (list === undefined) out.seen.set(o.name, [values]);
    else list.push(values);
  }
  return out;
}

/** The help text: the usage lines, then each option (grouped by section) with its help. */
export function formatHelp(usage: string, specs: readonly OptionSpec[]): string {
  const heads = specs.map((o) => {
    const names = label(o);
    return `  ${o.short === undefined ? '    ' : ''}${names}${o.values !== undefined ? ' ' + o.values.join(' ') : ''}`;
  });
  const width = Math.min(36, Math.max(...heads.map((h) => h.length)) + 2);
  const lines = [usage];
  let section: string | undefined;
  specs.forEach((o, k) => {
    if (o.section !== section) {
      section = o.section;
      if (section !== undefined) lines.push(`${section}:`);
    }
    const help = o.help.split('\n');
    const head = heads[k];
    if (head.length + 1 > width) {
      lines.push(head);
      for (const h of help) lines.push(' '.repeat(width) + h);
    } else {
      lines.push(head.padEnd(width) + help[0]);
      for (const h of help.slice(1)) lines.push(' '.repeat(width) + h);
    }
  });
  return lines.join('\n');
}
