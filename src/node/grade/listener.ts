// The grader's TCP listener in front of the broker: it hands connections to the broker, or,
// while it turns clients away, closes them on arrival and notes when each attempt came (a
// broker that is down, as the client sees it: consecutive failed attempts).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Broker } from '../../broker/index.js';

export class GradeListener {
  private readonly server: Server;
  /** How many more connection attempts to turn away. */
  private turnAway = 0;
  /** When each turned-away attempt came (ms). */
  readonly refused: number[] = [];
  port = 0;

  constructor(private readonly broker: Broker) {
    this.server = createServer((s: Socket) => this.onSocket(s));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** The next n connection attempts are closed as they arrive. */
  refuseNext(n: number): void {
    this.turnAway = n;
  }

  private onSocket(s: Socket): void {
    if (this.turnAway > 0) {
      this.turnAway--;
      this.refused.push(Date.now());
      s.destroy();
      return;
    }
    s.setNoDelay(true);
    this.broker.accept(s, 'tcp');
  }

  close(): Promise<void> {
    this.broker.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
