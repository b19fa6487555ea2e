// specifier: timer
// Moddable's `timer` module on the host XS runtime: Timer.set / repeat / schedule / clear /
// delay. A timer is a record created by set/repeat; firing and rescheduling allocate nothing.
const host = globalThis.__xsHost;

class TimerRecord {
  constructor(callback, due, interval) {
    this.callback = callback;
    this.due = due;
    this.interval = interval;   // 0: one-shot
    this.active = true;
    this.linked = false;
    this.next = null;
    this.prev = null;
  }
}

let first = null;

function link(t) {
  if (t.linked) return;
  t.linked = true;
  t.prev = null;
  t.next = first;
  if (first) first.prev = t;
  first = t;
}

function unlink(t) {
  if (!t.linked) return;
  t.linked = false;
  if (t.prev) t.prev.next = t.next; else if (first === t) first = t.next;
  if (t.next) t.next.prev = t.prev;
  t.next = null;
  t.prev = null;
}

function arm(t, delay) {
  link(t);
  t.due = host.now() + delay;
  t.active = true;
  host.wake(delay);
}

function check(t) {
  if (!(t instanceof TimerRecord)) throw new TypeError('not a timer');
}

// The host runs timers itself, calling each callback with the timer as its argument and no
// JavaScript in between, as Moddable's timer does on a device: due(now) returns the next due
// timer (rescheduled, or a one-shot marked done) or undefined; soonest() the ms until the next
// one, or -1. A one-shot whose callback did not reschedule it is released on the next call.
let fired = null;

function release() {
  if (fired !== null && !fired.active) unlink(fired);
  fired = null;
}

function due(now) {
  release();
  for (let t = first; t; t = t.next) {
    if (!t.active || t.due > now) continue;
    if (t.interval > 0) {
      t.due += t.interval;
      if (t.due <= now) t.due = now + t.interval;
    } else {
      t.active = false;
    }
    fired = t;
    return t;
  }
  return undefined;
}

function soonest() {
  release();
  let best = -1;
  const now = host.now();
  for (let t = first; t; t = t.next) {
    if (!t.active) continue;
    const d = t.due - now;
    const w = d < 0 ? 0 : d;
    if (best < 0 || w < best) best = w;
  }
  return best;
}

const Timer = {
  set(callback, delay = 0, repeat = 0) {
    const t = new TimerRecord(callback, 0, repeat > 0 ? repeat : 0);
    arm(t, delay > 0 ? delay : 0);
    return t;
  },
  repeat(callback, interval) {
    const t = new TimerRecord(callback, 0, interval > 0 ? interval : 1);
    arm(t, t.interval);
    return t;
  },
  schedule(t, delay, repeat) {
    check(t);
    if (delay === undefined) { t.active = false; unlink(t); return; }
    if (repeat !== undefined) t.interval = repeat > 0 ? repeat : 0;
    arm(t, delay > 0 ? delay : 0);
  },
  clear(t) {
    if (!t) return;
    check(t);
    t.active = false;
    t.callback = null;
    unlink(t);
  },
  delay(ms) {
    const end = host.now() + ms;
    while (host.now() < end) ;
  },
};

host.setTimers([due, soonest]);
export default Timer;
