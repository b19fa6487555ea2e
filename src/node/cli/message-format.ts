// How `xsmqtt sub` prints a message: the payload, `-v` "topic payload", or a `-F` format with
// mosquitto_sub's %, @ and \ sequences, byte for byte as mosquitto_sub 2.0 prints them.
import type { MessageInfo, MessageProperties } from '../client.js';

export interface Message {
  topic: string;
  payload: Buffer;
  info: MessageInfo;
  /** Packet identifier (0 at QoS 0). */
  mid: number;
  /** When it was received: ms since the epoch, and ns within the second. */
  ms: number;
  ns: number;
}

export interface OutputOptions {
  format: string | null;
  verbose: boolean;
  eol: boolean;
  pretty: boolean;
}

/** The bytes to print (null: nothing), and an error line for stderr. */
export interface Printed {
  out: Buffer | null;
  error?: string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FULL_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const FULL_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** strftime's %z for local time: +hhmm. */
function zone(d: Date): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
}

/** One strftime conversion in local time (the C locale); '' for one not known. */
export function strftime(c: string, d: Date): string {
  const Y = d.getFullYear();
  const date = `${Y}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  switch (c) {
    case 'Y': return String(Y);
    case 'y': return pad2(Y % 100);
    case 'C': return pad2(Math.floor(Y / 100));
    case 'm': return pad2(d.getMonth() + 1);
    case 'd': return pad2(d.getDate());
    case 'e': return String(d.getDate()).padStart(2, ' ');
    case 'H': return pad2(d.getHours());
    case 'I': return pad2(((d.getHours() + 11) % 12) + 1);
    case 'M': return pad2(d.getMinutes());
    case 'S': return pad2(d.getSeconds());
    case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
    case 'a': return DAYS[d.getDay()];
    case 'A': return FULL_DAYS[d.getDay()];
    case 'b': case 'h': return MONTHS[d.getMonth()];
    case 'B': return FULL_MONTHS[d.getMonth()];
    case 'u': return String(d.getDay() === 0 ? 7 : d.getDay());
    case 'w': return String(d.getDay());
    case 'j': return String(Math.floor((d.getTime() - new Date(Y, 0, 1).getTime()) / 86400000) + 1).padStart(3, '0');
    case 's': return String(Math.floor(d.getTime() / 1000));
    case 'z': return zone(d);
    case 'Z': return Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
    case 'F': return date;
    case 'T': return time;
    case 'R': return time.slice(0, 5);
    case 'D': return `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())}/${pad2(Y % 100)}`;
    case 'n': return '\n';
    case 't': return '\t';
    case '%': return '%';
    default: return '';
  }
}

/** Stands for an escaped payload in the JSON text until its bytes are put in. */
const PAYLOAD_MARK = '\u0000payload\u0000';

function propertiesJson(p: MessageProperties): Record<string, unknown> | null {
  const o: Record<string, unknown> = {};
  if (p.payloadFormatIndicator !== undefined) o['payload-format-indicator'] = Number(p.payloadFormatIndicator);
  if (p.messageExpiryInterval !== undefined) o['message-expiry-interval'] = p.messageExpiryInterval;
  if (p.contentType !== undefined) o['content-type'] = p.contentType;
  if (p.responseTopic !== undefined) o['response-topic'] = p.responseTopic;
  if (p.correlationData !== undefined) o['correlation-data'] = p.correlationData.toString('latin1');
  if (p.subscriptionIdentifier !== undefined) o['subscription-identifier'] = Array.isArray(p.subscriptionIdentifier) ? p.subscriptionIdentifier[0] : p.subscriptionIdentifier;
  if (p.topicAlias !== undefined) o['topic-alias'] = p.topicAlias;
  if (p.userProperties !== undefined) {
    const u: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.userProperties)) u[k] = Array.isArray(v) ? v[v.length - 1] : v;
    o['user-properties'] = u;
  }
  return Object.keys(o).length > 0 ? o : null;
}

/** %j and %J: the message as JSON, payload bytes unchanged but escaped as cJSON does; null when %J's payload is not JSON. */
function json(m: Message, escaped: boolean, pretty: boolean): Buffer | null {
  const d = new Date(m.ms);
  const tst = `${strftime('F', d)}T${strftime('T', d)}.${String(Math.floor(m.ns / 1000)).padStart(6, '0')}Z${zone(d)}`;
  const o: Record<string, unknown> = { tst, topic: m.topic, qos: m.info.qos, retain: m.info.retain ? 1 : 0, payloadlen: m.payload.length };
  if (m.info.qos > 0) o.mid = m.mid;
  const props = m.info.properties === undefined ? null : propertiesJson(m.info.properties);
  if (props !== null) o.properties = props;
  if (escaped) {
    o.payload = PAYLOAD_MARK;
  } else {
    try {
      o.payload = JSON.parse(m.payload.toString('utf8'));
    } catch {
      return null;
    }
  }
  // cJSON's pretty layout: tab indents and a tab after each colon.
  const text = pretty ? JSON.stringify(o, null, '\t').replace(/^(\t+"(?:[^"\\]|\\.)*"): /gm, '$1:\t') : JSON.stringify(o);
  if (!escaped) return Buffer.from(text, 'utf8');
  const [before, after] = text.split(JSON.stringify(PAYLOAD_MARK));
  // latin1 both ways keeps each payload byte as it is; JSON.stringify escapes what cJSON escapes.
  return Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(JSON.stringify(m.payload.toString('latin1')), 'latin1'), Buffer.from(after, 'utf8')]);
}

function userProperties(p: MessageProperties | undefined): string {
  const out: string[] = [];
  for (const [k, vs] of Object.entries(p?.userProperties ?? {})) for (const v of Array.isArray(vs) ? vs : [vs]) out.push(`${k}:${v}`);
  return out.join(' ');
}

interface Field {
  left: boolean;
  zero: boolean;
  width: number;
  precision: number;
}

function padText(s: string, f: Field): string {
  if (f.precision >= 0) s = s.slice(0, f.precision);
  return f.left ? s.padEnd(f.width) : s.padStart(f.width);
}

function padInt(n: number | undefined, f: Field): string {
  if (n === undefined) return (f.zero ? '0' : ' ').repeat(f.width);
  const s = String(n);
  if (f.left) return s.padEnd(f.width);
  return s.padStart(f.width, f.zero ? '0' : ' ');
}

/** The payload, or its hex (field width counts characters, as mosquitto's write_payload). */
function payloadField(p: Buffer, hex: 0 | 1 | 2, f: Field): Buffer {
  let len = p.length;
  let padLen: number;
  if (f.width > 0) {
    if (len > f.width) len = f.width;
    if (hex > 0) {
      len = Math.floor(len / 2);
      padLen = f.width - len * 2;
    } else {
      padLen = f.width - len;
    }
  } else {
    padLen = f.width - len;
  }
  const body = hex === 0 ? p.subarray(0, len) : Buffer.from(hex === 1 ? p.subarray(0, len).toString('hex') : p.subarray(0, len).toString('hex').toUpperCase(), 'latin1');
  const padding = Buffer.from(padLen > 0 ? (f.left ? ' ' : f.zero ? '0' : ' ').repeat(padLen) : '', 'latin1');
  return f.left ? Buffer.concat([body, padding]) : Buffer.concat([padding, body]);
}

const ESCAPES: Record<string, string> = { '\\': '\\', '0': '\0', a: '\x07', e: '\x1b', n: '\n', r: '\r', t: '\t', v: '\v' };

function formatted(m: Message, o: OutputOptions): Printed {
  const fmt = o.format!;
  const parts: Buffer[] = [];
  let text = '';
  let error: string | undefined;
  const flush = (): void => {
    if (text !== '') parts.push(Buffer.from(text, 'utf8'));
    text = '';
  };
  const raw = (b: Buffer): void => {
    flush();
    parts.push(b);
  };
  const date = new Date(m.ms);
  const p = m.info.properties;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch === '%') {
      const f: Field = { left: false, zero: false, width: 0, precision: -1 };
      if (i < fmt.length - 1) {
        i++;
        if (fmt[i] === '-') {
          f.left = true;
          if (i < fmt.length - 1) i++;
        }
        if (fmt[i] === '0') {
          f.zero = true;
          if (i < fmt.length - 1) i++;
        }
        while (i < fmt.length - 1 && fmt[i] >= '0' && fmt[i] <= '9') f.width = f.width * 10 + Number(fmt[i++]);
        if (fmt[i] === '.' && i < fmt.length - 1) {
          i++;
          f.precision = 0;
          while (i < fmt.length - 1 && fmt[i] >= '0' && fmt[i] <= '9') f.precision = f.precision * 10 + Number(fmt[i++]);
        }
      }
      if (f.left) f.zero = false;
      switch (fmt[i]) {
        case '%': text += '%'; break;
        case 'A': text += padInt(p?.topicAlias, f); break;
        case 'C': text += p?.contentType !== undefined ? padText(p.contentType, f) : ' '.repeat(f.width); break;
        case 'D': if (p?.correlationData !== undefined) raw(p.correlationData); break;
        case 'E': text += padInt(p?.messageExpiryInterval, f); break;
        case 'F': text += padInt(p?.payloadFormatIndicator === undefined ? undefined : Number(p.payloadFormatIndicator), f); break;
        case 'I': text += padText(`${strftime('F', date)}T${strftime('T', date)}${zone(date)}`, f); break;
        case 'j': case 'J': {
          const j = json(m, fmt[i] === 'j', o.pretty);
          if (j === null) error = `message payload is not valid JSON on topic ${m.topic}`;
          else raw(j);
          break;
        }
        case 'l': text += padInt(m.payload.length, f); break;
        case 'm': text += padInt(m.mid, f); break;
        case 'P': text += userProperties(p); break;
        case 'p': raw(payloadField(m.payload, 0, f)); break;
        case 'q': text += String(m.info.qos); break;
        case 'R': if (p?.responseTopic !== undefined) text += padText(p.responseTopic, f); break;
        case 'r': text += m.info.retain ? '1' : '0'; break;
        case 'S': {
          const s = p?.subscriptionIdentifier;
          text += padInt(Array.isArray(s) ? s[0] : s, f);
          break;
        }
        case 't': text += padText(m.topic, f); break;
        case 'U': text += `${Math.floor(m.ms / 1000)}.${String(m.ns).padStart(9, '0')}`; break;
        case 'x': raw(payloadField(m.payload, 1, f)); break;
        case 'X': raw(payloadField(m.payload, 2, f)); break;
        default: break;
      }
    } else if (ch === '@') {
      if (i < fmt.length - 1) {
        i++;
        if (fmt[i] === '@') text += '@';
        else if (fmt[i] === 'N') text += String(m.ns).padStart(9, '0');
        else text += strftime(fmt[i], date);
      }
    } else if (ch === '\\') {
      if (i < fmt.length - 1) {
        i++;
        text += ESCAPES[fmt[i]] ?? '';
      }
    } else {
      text += ch;
    }
  }
  if (o.eol) text += '\n';
  flush();
  return { out: Buffer.concat(parts), error };
}

/** What mosquitto_sub prints for one message. */
export function formatMessage(m: Message, o: OutputOptions): Printed {
  if (o.format !== null) return formatted(m, o);
  const nl = o.eol ? '\n' : '';
  if (o.verbose) {
    if (m.payload.length === 0) return { out: o.eol ? Buffer.from(`${m.topic} (null)\n`, 'utf8') : null };
    return { out: Buffer.concat([Buffer.from(m.topic + ' ', 'utf8'), m.payload, Buffer.from(nl)]) };
  }
  // A zero-length payload prints nothing, not even the newline.
  if (m.payload.length === 0) return { out: null };
  return { out: nl === '' ? m.payload : Buffer.concat([m.payload, Buffer.from(nl)]) };
}
