// A fake WebHID Ledger for tests (a test double, not a device emulator).
//
// Run this file's text in a page, then call installFakeLedgerHid(exchanges, options):
// navigator.hid becomes a fake whose requestDevice() offers one "Ledger". Its sendReport(0, report)
// checks Ledger's HID framing (64-byte reports: channel 0x0101, tag 0x05, sequence from 0; the first
// carries the u16 BE APDU length), reassembles the APDU, looks its answer up in `exchanges`
// ([[requestHex, responseHex], ...], recorded from the real app; a request recorded twice gets its
// answers in order) and sends the answer back framed the same way, as "inputreport" events with
// a DataView `data` and reportId 0. Unrecorded requests are answered 6F00 and listed in `unexpected`.
// A report that breaks the framing (size, report id, channel, tag, sequence, non-zero padding after
// the APDU) makes sendReport throw, as a real device's garbage would fail, and is listed in `framingErrors`.
// options.cancel: the chooser returns no device, as when the user cancels it; options.silent: the
// device never answers (to test a disconnect during an exchange); options.requireUserActivation: like
// Chromium, requestDevice() rejects with a SecurityError unless the page has transient user activation
// (a real click shortly before).
globalThis.installFakeLedgerHid = function installFakeLedgerHid(exchanges, options = {}) {
  const REPORT = 64;
  const CHANNEL = 0x0101;
  const TAG = 0x05;
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const unhex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));

  const answers = new Map();
  for (const [request, response] of exchanges) {
    if (!answers.has(request)) answers.set(request, []);
    answers.get(request).push(response);
  }

  function frame(message) {
    const body = new Uint8Array(2 + message.length);
    body[0] = message.length >> 8;
    body[1] = message.length & 0xff;
    body.set(message, 2);
    const reports = [];
    for (let seq = 0, offset = 0; offset < body.length; seq += 1, offset += REPORT - 5) {
      const report = new Uint8Array(REPORT);
      report.set([CHANNEL >> 8, CHANNEL & 0xff, TAG, seq >> 8, seq & 0xff]);
      report.set(body.subarray(offset, offset + REPORT - 5), 5);
      reports.push(report);
    }
    return reports;
  }

  class FakeLedger extends EventTarget {
    constructor() {
      super();
      this.vendorId = 0x2c97;
      this.productId = 0x4015;
      this.productName = "Nano X (fake)";
      this.opened = false;
      this.requests = [];
      this.unexpected = [];
      this.framingErrors = [];
      this.pending = null; // { length, data, seq } of the APDU being received
    }

    async open() { this.opened = true; }

    async close() { this.opened = false; }

    async sendReport(reportId, data) {
      if (!this.opened) throw new DOMException("device is not opened", "InvalidStateError");
      try {
        this.receive(reportId, data);
      } catch (error) {
        this.framingErrors.push(error.message);
        this.pending = null;
        throw error;
      }
    }

    receive(reportId, data) {
      const report = new Uint8Array(ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data);
      if (reportId !== 0 || report.length !== REPORT) throw new TypeError(`bad report: id ${reportId}, ${report.length} bytes`);
      const channel = (report[0] << 8) | report[1];
      const seq = (report[3] << 8) | report[4];
      if (channel !== CHANNEL || report[2] !== TAG) throw new TypeError(`bad header ${hex(report.subarray(0, 5))}`);
      if (this.pending === null) {
        if (seq !== 0) throw new TypeError(`report ${seq} without a first report`);
        this.pending = { length: (report[5] << 8) | report[6], data: [...report.subarray(7)], seq: 0 };
      } else {
        if (seq !== this.pending.seq + 1) throw new TypeError(`report ${seq} after ${this.pending.seq}`);
        this.pending.seq = seq;
        this.pending.data.push(...report.subarray(5));
      }
      if (this.pending.data.length < this.pending.length) return;
      if (this.pending.data.slice(this.pending.length).some((b) => b !== 0)) {
        throw new TypeError(`non-zero padding after the APDU: ${hex(this.pending.data)}`);
      }
      const apdu = hex(this.pending.data.slice(0, this.pending.length));
      this.pending = null;
      this.requests.push(apdu);
      if (options.silent) return;
      const queue = answers.get(apdu);
      let response = "6f00";
      if (queue && queue.length) response = queue.length > 1 ? queue.shift() : queue[0];
      else this.unexpected.push(apdu);
      for (const out of frame(unhex(response))) {
        setTimeout(() => {
          const event = new Event("inputreport");
          event.data = new DataView(out.buffer);
          event.reportId = 0;
          event.device = this;
          this.dispatchEvent(event);
        }, 0);
      }
    }
  }

  const device = new FakeLedger();
  const hid = new EventTarget();
  hid.filters = null;
  hid.requestDevice = async (requestOptions) => {
    hid.activeWhenAsked = navigator.userActivation ? navigator.userActivation.isActive : null;
    if (options.requireUserActivation && !hid.activeWhenAsked) {
      throw new DOMException("Must be handling a user gesture to show a permission request.", "SecurityError");
    }
    hid.filters = requestOptions.filters.map((f) => ({ ...f }));
    const wanted = hid.filters.some((f) => f.vendorId === device.vendorId);
    return options.cancel || !wanted ? [] : [device];
  };
  hid.getDevices = async () => [device];
  Object.defineProperty(navigator, "hid", { value: hid, configurable: true });
  globalThis.fakeLedger = device;
  return true;
};
