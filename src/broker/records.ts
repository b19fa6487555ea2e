// The broker's two reused packet records (it handles one packet at a time each way), grown on
// demand for a SUBSCRIBE with many filters or a message with many user properties, up to the
// configured limits, so that nothing is cut silently by a record's fixed capacity.
import { PacketType, ReasonCode } from '../core/codec/constants.js';
import { Packet } from '../core/codec/packet.js';
import type { Reader } from '../core/codec/reader.js';
import { decodeClientBody } from '../core/codec/server.js';

const FILTERS = 256;
const USERS = 64;
const SUB_IDS = 32;
/** The shortest filter entry: a 2-byte length and one character. */
const MIN_FILTER_BYTES = 3;

export class Records {
  /** Where incoming packets are decoded: read it again after each Framer.next (it may have been replaced). */
  in = new Packet(FILTERS, USERS, SUB_IDS);
  private out = new Packet(FILTERS, USERS, SUB_IDS);
  private inFilters = FILTERS;
  private inUsers = USERS;
  private outCodes = FILTERS;
  private outUsers = USERS;
  private outSubIds = SUB_IDS;
  /** The body decoder for the connections' framers (this bound). */
  readonly decode: (r: Reader, p: Packet) => number;

  constructor(private readonly maxFilters: number, private readonly maxUserProperties: number) {
    this.decode = (r, p) => this.decodeBody(r, p);
  }

  /**
   * decodeClientBody, then again into a larger record when p was too small: a SUBSCRIBE or
   * UNSUBSCRIBE with more filters than it holds (beyond maxFilters: -QuotaExceeded), a PUBLISH or
   * CONNECT with more user properties (beyond maxUserProperties the record keeps the first ones
   * and userSeen says how many came: the broker refuses the message).
   */
  private decodeBody(r: Reader, p: Packet): number {
    const buf = r.buf;
    const pos = r.pos;
    const end = r.end;
    let rc = decodeClientBody(r, p);
    const lists = p.type === PacketType.Subscribe || p.type === PacketType.Unsubscribe;
    if (lists && rc === -ReasonCode.ImplementationSpecificError && p.count >= this.inFilters) {
      const need = Math.min(this.maxFilters + 1, Math.ceil((end - pos) / MIN_FILTER_BYTES));
      if (need <= this.inFilters) return -ReasonCode.QuotaExceeded;
      this.inFilters = need;
      p = this.replaceIn(p);
      r.reset(buf, pos, end);
      rc = decodeClientBody(r, p);
      if (rc === -ReasonCode.ImplementationSpecificError && p.count >= this.inFilters) return -ReasonCode.QuotaExceeded;
    }
    if (rc < 0) return rc;
    if (lists) return p.count > this.maxFilters ? -ReasonCode.QuotaExceeded : 0;
    if (p.type !== PacketType.Publish && p.type !== PacketType.Connect) return 0;
    const wp = p.willProps;
    const seen = Math.max(p.props.userSeen, wp !== null ? wp.userSeen : 0);
    if (seen <= this.inUsers || this.inUsers >= this.maxUserProperties) return 0;
    this.inUsers = Math.min(seen, this.maxUserProperties);
    p = this.replaceIn(p);
    r.reset(buf, pos, end);
    return decodeClientBody(r, p);
  }

  private replaceIn(old: Packet): Packet {
    const p = new Packet(this.inFilters, this.inUsers, SUB_IDS);
    p.type = old.type;
    p.flags = old.flags;
    p.version = old.version;
    p.chunk = old.chunk;
    this.in = p;
    return p;
  }

  /** The outgoing record, reset, able to hold `codes` SUBACK/UNSUBACK codes, `users` user properties and `subIds` subscription identifiers. */
  outFor(type: number, version: number, codes = 0, users = 0, subIds = 0): Packet {
    if (codes > this.outCodes || users > this.outUsers || subIds > this.outSubIds) {
      if (codes > this.outCodes) this.outCodes = codes;
      if (users > this.outUsers) this.outUsers = users;
      if (subIds > this.outSubIds) this.outSubIds = subIds;
      this.out = new Packet(this.outCodes, this.outUsers, this.outSubIds);
    }
    this.out.reset(type, version);
    return this.out;
  }

}
