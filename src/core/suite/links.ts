// The suite hosts' table of links: a driver each, with what the host keeps beside it. A
// released link's place is taken by the next one, so a device's table is only as long as the
// most links open at once. The Node and the Moddable hosts share it; only the transport and
// the clock differ.
import { Driver, DriverState } from '../driver/driver.js';

export interface SuiteLink {
  driver: Driver;
}

export class SuiteLinks<L extends SuiteLink> {
  /** Open links, and null where a released one was. */
  items: (L | null)[];

  /* cold */
  constructor() {
    this.items = [];
  }

  /** Lists a link and starts its driver: its number. */
  /* cold */
  open(l: L): number {
    const items = this.items;
    let n = 0;
    while (n < items.length && items[n] !== null) n++;
    if (n === items.length) items.push(l);
    else items[n] = l;
    l.driver.start();
    return n;
  }

  /** The link (never a released one: the runner does not use those). */
  /* cold */
  get(n: number): L {
    const l = this.items[n];
    if (l === null || l === undefined) throw new Error('released suite link ' + n);
    return l;
  }

  close(n: number, reasonCode: number): void {
    const l = this.items[n];
    if (l !== null && l !== undefined) l.driver.stop(reasonCode);
  }

  /** A released link is closed too. */
  closed(n: number): boolean {
    const l = this.items[n];
    return l === null || l === undefined || l.driver.state === DriverState.Stopped;
  }

  /** Forgets a link; one still open (a scenario past its time) is aborted, not left running. */
  /* cold */
  release(n: number): void {
    const l = this.items[n];
    if (l !== null && l !== undefined && l.driver.state !== DriverState.Stopped) l.driver.abort();
    this.items[n] = null;
  }
}
