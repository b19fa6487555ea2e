// The sensors the example application reads, behind a small interface, and a deterministic
// simulated sensor for the host: values drift slowly with noise from a seeded generator.

/** One reading, in integer hundredths (temperature in 0.01 degC, humidity in 0.01 %), battery in %. */
export class Reading {
  temperature: number;
  humidity: number;
  battery: number;
  constructor() {
    this.temperature = 0;
    this.humidity = 0;
    this.battery = 0;
  }
}

export interface Sensor {
  /** Fills out with the values at time now (ms). */
  read(now: number, out: Reading): void;
}

/** xorshift32: a small, seeded, platform-independent generator (Math.random is not in the core). */
export class Random {
  state: number;
  constructor(seed: number) {
    this.state = (seed | 0) === 0 ? 0x9e3779b9 | 0 : seed | 0;
  }
  /** The next 32-bit value, unsigned. */
  nextU32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x | 0;
    return x >>> 0;
  }
  /** In [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + (this.nextU32() % (hi - lo + 1));
  }
}

/** A simulated sensor: the same seed gives the same series of readings. */
export class SimulatedSensor implements Sensor {
  random: Random;
  temperature: number;
  humidity: number;
  battery: number;
  reads: number;
  constructor(seed: number) {
    this.random = new Random(seed);
    this.temperature = this.random.between(1800, 2600);
    this.humidity = this.random.between(3000, 6000);
    this.battery = 100;
    this.reads = 0;
  }

  read(_now: number, out: Reading): void {
    const r = this.random;
    // A bounded random walk with a little noise on top.
    this.temperature += r.between(0, 20) - 10;
    if (this.temperature < -2000) this.temperature = -2000;
    if (this.temperature > 6000) this.temperature = 6000;
    this.humidity += r.between(0, 40) - 20;
    if (this.humidity < 0) this.humidity = 0;
    if (this.humidity > 10000) this.humidity = 10000;
    this.reads++;
    // One percent of battery every 100 readings, never below 5.
    if (this.reads % 100 === 0 && this.battery > 5) this.battery--;
    out.temperature = this.temperature + r.between(0, 6) - 3;
    out.humidity = this.humidity + r.between(0, 10) - 5;
    out.battery = this.battery;
  }
}
