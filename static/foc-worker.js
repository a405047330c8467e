// foc_web in a Web Worker: started by FocEngine.load({ worker: true }) (static/foc-engine.js).
//
// Messages from the page:   {type: "init", options: json, store: {key: value}}
//                           {id, method, args: json}        -> {id, answer: json} | {id, internal: text}
//                           {type: "storage", key, value}   (another tab changed localStorage)
// Messages to the page:     {type: "progress", stage, fraction}, {type: "ready", info} | {type: "failed", error}
//                           {type: "event", name, json}, {type: "store", key, value}  (value null: removed)
//
// Workers have no localStorage, so foc_web gets a mirror of the page's foc_* keys as its
// localStorage: reads are served from the mirror, every write is posted to the page, which applies
// it to the real localStorage before it handles the answer of the call that wrote it (messages keep
// their order). Other tabs' writes reach the mirror through the page's storage events. Limit: a
// write made by another tab is seen here only once that event has arrived, so two tabs that both
// run foc_web in workers see each other's changes with that delay (navigator.locks still orders
// their writes). One tab, or tabs in main-thread mode, see no difference.

import { loadFocWeb } from "./foc-loader.js";
import { internalError, openBridge } from "./foc-engine.js";

class MirrorStorage {
  #items;
  #keys = null;
  #onWrite;

  constructor(entries, onWrite) {
    this.#items = new Map(Object.entries(entries));
    this.#onWrite = onWrite;
  }

  get length() {
    return this.#items.size;
  }

  key(index) {
    this.#keys ??= [...this.#items.keys()];
    return this.#keys[index] ?? null;
  }

  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }

  setItem(key, value) {
    this.apply(key, String(value));
    this.#onWrite(key, String(value));
  }

  removeItem(key) {
    this.apply(key, null);
    this.#onWrite(key, null);
  }

  /** A change made elsewhere (value null: removed; key null: everything cleared). */
  apply(key, value) {
    this.#keys = null;
    if (key === null) this.#items.clear();
    else if (value === null) this.#items.delete(key);
    else this.#items.set(key, value);
  }
}

let bridge = null;
let mirror = null;

async function answer({ id, method, args }) {
  try {
    postMessage({ id, answer: await bridge.call(method, args) });
  } catch (error) {
    postMessage({ id, internal: String(error && error.message ? error.message : error) });
  }
}

async function init({ options, store }) {
  mirror = new MirrorStorage(store, (key, value) => postMessage({ type: "store", key, value }));
  globalThis.localStorage = mirror; // before foc_web.platform picks its store
  try {
    const pyodide = await loadFocWeb({
      onProgress: (stage, fraction) => stage !== "ready" && postMessage({ type: "progress", stage, fraction }),
    });
    postMessage({ type: "progress", stage: "engine", fraction: 0.95 });
    const opened = openBridge(pyodide, options, (name, json) => postMessage({ type: "event", name, json }));
    bridge = opened.bridge;
    postMessage({ type: "ready", info: opened.info });
  } catch (error) {
    const known = error && error.code ? { code: error.code, message: error.message, name: error.name } : null;
    postMessage({ type: "failed", error: known || { message: internalError(error).message } });
  }
}

onmessage = ({ data }) => {
  if (data.type === "init") init(data);
  else if (data.type === "storage") mirror?.apply(data.key, data.value);
  else answer(data); // the page sends calls only after "ready"
};
