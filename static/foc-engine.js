// The script-tag JS API of foc_web: a thin facade over foc_web.bridge (Python, in Pyodide).
//
//   import { FocEngine } from "./static/foc-engine.js";
//   const engine = await FocEngine.load({ network: "sepolia", onProgress: (stage, fraction) => {} });
//   const account = await engine.accounts.create({ password: "…" });
//
// engine.accounts gets one async function per entry of Bridge.methods(), generated here at load
// time: no method is written out by hand, so the JS API cannot drift from the Python table.
// Arguments go to Python as JSON ([positional..., {options}], camelCase keys), results come back
// as plain objects (JSON.parse), errors as FocEngineError (an Error with the Python error's
// stable .code, its message and its class .name). No Python object ever reaches the caller.
//
// Where Python runs (the `worker` option):
//   false (default) - in this page. localStorage is used directly, exactly as foc_web's own tests
//     exercise it (two tabs included), and one Pyodide serves every engine of the page. The default
//     KDF (PBKDF2 through Web Crypto) runs off the main thread anyway, but pure-Python work (public
//     key, address, signatures) blocks the page: about 0.4 s per create() on a slow machine.
//   true - in a Web Worker (static/foc-worker.js). The page never blocks, which matters with
//     Argon2id/scrypt vaults (hash-wasm computes those on the thread that runs Python). Workers
//     have no localStorage, so the worker works on a mirror of the page's foc_* keys: seeded at
//     start, written through to the page's localStorage before each answer, refreshed by storage
//     events of other tabs (see foc-worker.js for the limits of that mirror).
//
// Caching: Pyodide, the standard library and the wheels are plain static files, so the browser's
// HTTP cache keeps them between visits (revalidated with If-Modified-Since); nothing else is cached.

import { loadFocWeb } from "./foc-loader.js";

/** Error thrown by every engine.accounts method: .code is stable, .name is the Python class. */
export class FocEngineError extends Error {
  constructor(code, message, name = "FocEngineError") {
    super(message);
    this.code = code;
    this.name = name;
  }
}

const LOAD_ONLY = ["onProgress", "worker"];
const RESERVED = new Set(["on", "off"]);

// Python side of openBridge: makes the Bridge, turning option errors into the bridge's error shape.
const HOST_PY = `
import json
from foc_web import platform
from foc_web.bridge import Bridge
from foc_web.errors import FocError
from foc_web.events import EVENT_NAMES


def open_bridge(options_json):
    try:
        bridge = Bridge(options_json)
    except FocError as error:
        return None, json.dumps({"code": error.code, "message": str(error), "name": type(error).__name__})
    except (TypeError, ValueError) as error:
        return None, json.dumps({"code": "INVALID_ARGUMENT", "message": str(error), "name": type(error).__name__})
    info = {"methods": json.loads(Bridge.methods()), "events": list(EVENT_NAMES), "runtime": platform.runtime}
    return bridge, json.dumps(info)


open_bridge
`;

function errorFrom(payload) {
  return new FocEngineError(payload.code, payload.message, payload.name);
}

/** {"result": x} -> x; {"error": {...}} -> throws FocEngineError. */
export function unwrap(answer) {
  const parsed = JSON.parse(answer);
  if (parsed.error) throw errorFrom(parsed.error);
  return parsed.result;
}

/** An unexpected failure (a bug, not a FocError): the exception's own line, never the traceback. */
export function internalError(error, code = "INTERNAL_ERROR") {
  const lines = String(error && error.message ? error.message : error).trim().split("\n");
  const line = lines.findLast((l) => /^\w*(Error|Exception)\b/.test(l)) || lines[lines.length - 1];
  return new FocEngineError(code, line, "InternalError");
}

/**
 * Create a Bridge in a booted Pyodide and subscribe to every event, each delivered as
 * onEvent(name, json). Returns { bridge, info: {methods, events, runtime}, close }.
 * Used by both modes: this page (FocEngine.load) and the worker (foc-worker.js).
 */
export function openBridge(pyodide, optionsJson, onEvent) {
  const open = pyodide.runPython(HOST_PY);
  const pair = open(optionsJson);
  open.destroy();
  const [bridge, text] = pair.toJs({ depth: 1 });
  pair.destroy();
  if (!bridge) throw errorFrom(JSON.parse(text));
  const info = JSON.parse(text);
  const deliveries = info.events.map((name) => [name, bridge.on(name, (json) => onEvent(name, json))]);
  const close = () => {
    for (const [name, deliver] of deliveries) {
      bridge.off(name, deliver);
      deliver.destroy();
    }
    bridge.destroy();
  };
  return { bridge, info, close };
}

function progressReporter(onProgress) {
  return (stage, fraction) => {
    try {
      onProgress(stage, fraction);
    } catch (error) {
      console.error("FocEngine onProgress callback failed", error);
    }
  };
}

// ------------------------------------------------------------------ transports

let pagePyodide = null; // one Pyodide per page, shared by the main-thread engines of this page

async function mainThreadTransport(optionsJson, progress, onEvent) {
  if (!pagePyodide) {
    pagePyodide = loadFocWeb({ onProgress: (stage, f) => stage !== "ready" && progress(stage, f) });
    pagePyodide.catch(() => { pagePyodide = null; }); // a failed boot may be retried
  }
  const pyodide = await pagePyodide;
  progress("engine", 0.95);
  const { bridge, info, close } = openBridge(pyodide, optionsJson, onEvent);
  return {
    info,
    call: async (method, argsJson) => {
      try {
        return await bridge.call(method, argsJson);
      } catch (error) {
        throw internalError(error);
      }
    },
    close,
  };
}

const STORE_PREFIX = "foc_";

function storeSnapshot() {
  const entries = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key.startsWith(STORE_PREFIX)) entries[key] = localStorage.getItem(key);
  }
  return entries;
}

function workerTransport(optionsJson, progress, onEvent) {
  const worker = new Worker(new URL("./foc-worker.js", import.meta.url), { type: "module" });
  const pending = new Map();
  let nextId = 1;
  let storeFailure = null; // a write the page could not apply: fails the answer that follows it
  let boot;
  const booted = new Promise((resolve, reject) => { boot = { resolve, reject }; });

  const forwardStorage = (event) => {
    if (event.storageArea !== localStorage) return;
    if (event.key === null || event.key.startsWith(STORE_PREFIX)) {
      worker.postMessage({ type: "storage", key: event.key, value: event.newValue });
    }
  };
  const failAll = (error) => {
    boot.reject(error);
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  worker.onmessage = ({ data }) => {
    if (data.type === "store") {
      // Messages arrive in order: a call's writes are applied here before its answer is handled.
      try {
        if (data.value === null) localStorage.removeItem(data.key);
        else localStorage.setItem(data.key, data.value);
      } catch (error) {
        storeFailure = new FocEngineError("STORAGE_ERROR", `localStorage refused a write: ${error.message}`,
                                          "StorageError");
      }
    } else if (data.type === "event") {
      onEvent(data.name, data.json);
    } else if (data.type === "progress") {
      progress(data.stage, data.fraction);
    } else if (data.type === "ready") {
      boot.resolve(data.info);
    } else if (data.type === "failed") {
      failAll(data.error.code ? errorFrom(data.error) : internalError(data.error.message));
    } else if (pending.has(data.id)) {
      const { resolve, reject } = pending.get(data.id);
      pending.delete(data.id);
      if (storeFailure) {
        reject(storeFailure);
        storeFailure = null;
      } else if (data.internal) {
        reject(internalError(data.internal));
      } else {
        resolve(data.answer);
      }
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    failAll(new FocEngineError("WORKER_ERROR", `the foc_web worker failed: ${event.message || "could not start"}`,
                               "WorkerError"));
  };
  addEventListener("storage", forwardStorage);
  worker.postMessage({ type: "init", options: optionsJson, store: storeSnapshot() });

  return booted.then((info) => ({
    info,
    call: (method, argsJson) => new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args: argsJson });
    }),
    close: () => {
      removeEventListener("storage", forwardStorage);
      worker.terminate();
      failAll(new FocEngineError("ENGINE_CLOSED", "the engine was closed", "FocEngineError"));
    },
  }), (error) => {
    removeEventListener("storage", forwardStorage);
    worker.terminate();
    throw error;
  });
}

// ------------------------------------------------------------------ the facade

// Felts beyond 2**53 may be given as BigInt: they travel as 0x hex strings, which foc_web accepts.
function jsonArgs(args) {
  while (args.length && args[args.length - 1] === undefined) args = args.slice(0, -1);
  return JSON.stringify(args, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));
}

export class FocEngine {
  /**
   * Boot Pyodide from this site and open an engine.
   * options: network, environment, security, rpc, chainIds, rpcTimeout (as FocEngine in Python,
   * camelCase), plus onProgress(stage, fraction) with stages "pyodide", "packages", "import",
   * "engine", "ready", and worker (default false).
   */
  static async load(options = {}) {
    const progress = progressReporter(options.onProgress || (() => {}));
    const engineOptions = Object.fromEntries(Object.entries(options).filter(([k]) => !LOAD_ONLY.includes(k)));
    const listeners = new Map();
    const onEvent = (name, json) => {
      for (const listener of [...(listeners.get(name) || [])]) {
        try {
          listener(JSON.parse(json));
        } catch (error) {
          console.error(`a ${name} listener failed`, error); // one broken listener must not stop the others
        }
      }
    };
    const optionsJson = JSON.stringify(engineOptions);
    let transport;
    try {
      transport = options.worker
        ? await workerTransport(optionsJson, progress, onEvent)
        : await mainThreadTransport(optionsJson, progress, onEvent);
    } catch (error) {
      throw error instanceof FocEngineError ? error : internalError(error, "LOAD_FAILED");
    }
    const engine = new FocEngine(transport, listeners, options.worker ? "worker" : "main");
    progress("ready", 1);
    return engine;
  }

  constructor(transport, listeners, mode) {
    const { methods, events, runtime } = transport.info;
    let closed = false;
    const call = async (method, args) => {
      if (closed) throw new FocEngineError("ENGINE_CLOSED", "the engine was closed", "FocEngineError");
      return unwrap(await transport.call(method, jsonArgs(args)));
    };
    const accounts = {};
    for (const name of Object.keys(methods)) {
      if (RESERVED.has(name)) throw new FocEngineError("INTERNAL_ERROR", `bridge method ${name} clashes`, "InternalError");
      const method = (...args) => call(name, args);
      Object.defineProperty(method, "name", { value: name });
      accounts[name] = method;
    }
    accounts.on = (name, listener) => {
      if (!events.includes(name)) {
        throw new FocEngineError("INVALID_ARGUMENT", `unknown event ${JSON.stringify(name)}; events: ${events.join(", ")}`,
                                 "ValueError");
      }
      if (typeof listener !== "function") {
        throw new FocEngineError("INVALID_ARGUMENT", "an event listener must be a function", "TypeError");
      }
      if (!listeners.has(name)) listeners.set(name, []);
      listeners.get(name).push(listener);
      return listener;
    };
    accounts.off = (name, listener) => {
      const list = listeners.get(name) || [];
      if (listener === undefined) list.length = 0;
      else if (list.includes(listener)) list.splice(list.indexOf(listener), 1);
    };
    /** The engine's methods: { jsName: [positional parameter names] } (Bridge.methods()). */
    this.methods = structuredClone(methods);
    this.events = [...events];
    this.mode = mode;
    /** "pyodide-browser" when accounts persist in localStorage. */
    this.runtime = runtime;
    this.accounts = Object.freeze(accounts);
    /** Release the engine (and its worker); later calls throw ENGINE_CLOSED. Unlocked keys are forgotten. */
    this.close = () => {
      if (closed) return;
      closed = true;
      listeners.clear();
      transport.close();
    };
    Object.freeze(this);
  }
}
