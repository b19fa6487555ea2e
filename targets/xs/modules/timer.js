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

// Runs every due timer once; returns the ms until the next one, or -1.
function tick(now) {
  let t = first;
  while (t) {
    const next = t.next;
    if (t.active && t.due <= now) {
      if (t.interval > 0) {
        t.due += t.interval;
        if (t.due <= now) t.due = now + t.interval;
      } else {
        t.active = false;
      }
      t.callback.call(t, t);
      if (!t.active) unlink(t);   // a one-shot that was not rescheduled is released
    }
    t = next;
  }
  let soonest = -1;
  now = host.now();
  for (t = first; t; t = t.next) {
    if (!t.active) continue;
    const d = t.due - now;
    const w = d < 0 ? 0 : d;
    if (soonest < 0 || w < soonest) soonest = w;
  }
  return soonest;
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

host.setTimers(tick);
export default Timer;
