// The chaos run's fault plan: a seeded generator, and the mix of faults it draws from (proxy
// cuts, broker rules for the run's clients, kill -9 of the broker).

/** xorshift32: the same seed gives the same sequence of choices. */
export class Random {
  private s: number;
  constructor(seed: number) {
    this.s = (Math.imul(seed, 2654435761) >>> 0) || 1;
  }
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s / 4294967296;
  }
  /** 0..n-1 */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

export interface PlannedFault {
  kind: 'cut' | 'rule' | 'kill';
  /** For 'rule': the broker's fault kind and its parameters ($bench/fault/<rule>). */
  rule?: string;
  params?: Record<string, unknown>;
}

/** Shares of the mix; what is left over is a proxy cut. */
const SHARES = { kill: 0.03, drop: 0.14, delay: 0.14, duplicate: 0.12, close: 0.12 };

export const FAULT_NAMES = ['cut', 'kill', 'drop', 'delay', 'duplicate', 'close'] as const;

export class FaultPicker {
  /** without: fault names (FAULT_NAMES) left out of the mix, to tell causes apart. */
  constructor(private readonly rnd: Random, private readonly devices: { id: string; qos: number }[], private readonly checkerId: string,
    private readonly without: readonly string[] = []) {}

  /** The next fault; null when every kind is left out. */
  next(): PlannedFault | null {
    for (let tries = 0; tries < 100; tries++) {
      const f = this.draw();
      const name = f.kind === 'rule' ? f.rule! : f.kind;
      if (!this.without.includes(name)) return f;
    }
    return null;
  }

  private draw(): PlannedFault {
    let r = this.rnd.next();
    if ((r -= SHARES.kill) < 0) return { kind: 'kill' };
    if ((r -= SHARES.drop) < 0) return this.ackRule('drop', {});
    if ((r -= SHARES.delay) < 0) return this.ackRule('delay', { ms: 20 + this.rnd.int(1500) });
    if ((r -= SHARES.duplicate) < 0) {
      // The broker sends its next PUBLISH (or PUBREL) to the checker twice.
      return { kind: 'rule', rule: 'duplicate', params: { client: this.checkerId, count: 1 } };
    }
    if ((r -= SHARES.close) < 0) {
      const client = this.rnd.next() < 0.25 ? this.checkerId : this.rnd.pick(this.devices).id;
      return { kind: 'rule', rule: 'close', params: { client, after: 1 + this.rnd.int(8), count: 1 } };
    }
    return { kind: 'cut' };
  }

  /** drop / delay of an acknowledgement in one of the flows. */
  private ackRule(rule: string, extra: Record<string, unknown>): PlannedFault {
    let client: string;
    let packet: string;
    if (this.rnd.next() < 0.25) {
      // QoS 2 towards the checker: its PUBREL.
      client = this.checkerId;
      packet = 'pubrel';
    } else {
      const d = this.rnd.pick(this.devices);
      client = d.id;
      packet = d.qos === 1 ? 'puback' : this.rnd.pick(['pubrec', 'pubcomp']);
    }
    if (this.rnd.next() < 0.05) packet = 'connack';
    return { kind: 'rule', rule, params: { client, packet, count: 1, ...extra } };
  }
}
