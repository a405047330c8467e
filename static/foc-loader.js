// Boots Pyodide from this site (never a CDN) and imports foc_web.
//   import { loadFocWeb } from "./static/foc-loader.js";
//   const pyodide = await loadFocWeb({ onProgress: (stage, fraction) => ... });
// The site root is the folder above static/; it holds pyodide.mjs, the patched lock and the wheels.
//
// foc_web's boot wheels (foc-web-manifest.json "boot": foc-web and its dependencies) are fetched
// while Pyodide starts, checked by the browser against their SHA-256 (fetch integrity), and
// unpacked here into site-packages. pyodide.loadPackage would do the same after the start, and
// its Python side first imports tarfile, importlib.metadata and sysconfig: about 0.2 s of a boot.
// Other packages still come through loadPackage, from the same patched pyodide-lock.json.

export const SITE_ROOT = new URL("../", import.meta.url).href;

export async function loadFocWeb({ onProgress = () => {}, packages = [] } = {}) {
  onProgress("pyodide", 0);
  globalThis.FOC_WEB_BASE_URL = SITE_ROOT;
  const wheels = fetchBootWheels();
  wheels.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  const { loadPyodide } = await import(new URL("pyodide.mjs", SITE_ROOT).href);
  const pyodide = await loadPyodide({ indexURL: SITE_ROOT });
  onProgress("packages", 0.6);
  installWheels(pyodide, await wheels);
  if (packages.length) await pyodide.loadPackage(packages, { messageCallback: () => {} });
  onProgress("import", 0.9);
  pyodide.pyimport("foc_web");
  onProgress("ready", 1);
  return pyodide;
}

async function fetchBootWheels() {
  const response = await fetch(new URL("foc-web-manifest.json", SITE_ROOT));
  if (!response.ok) throw new Error(`foc-web-manifest.json: HTTP ${response.status}`);
  const { boot } = await response.json();
  return Promise.all(boot.map(async ({ file, integrity }) => {
    let wheel;
    try {
      wheel = await fetch(new URL(file, SITE_ROOT), { integrity });
    } catch (error) {
      throw new Error(`${file} could not be loaded or does not match its SHA-256 in the manifest (${error.message})`);
    }
    if (!wheel.ok) throw new Error(`${file}: HTTP ${wheel.status}`);
    return unzip(await wheel.arrayBuffer(), file);
  }));
}

function installWheels(pyodide, wheels) {
  const sitePackages = pyodide.runPython("import sys; next(p for p in sys.path if p.endswith('site-packages'))");
  for (const files of wheels) {
    for (const [name, bytes] of files) {
      const path = `${sitePackages}/${name}`;
      pyodide.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
      pyodide.FS.writeFile(path, bytes);
    }
  }
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}

const u16 = (view, at) => view.getUint16(at, true);
const u32 = (view, at) => view.getUint32(at, true);

/** The files of a zip archive as [name, bytes] pairs (stored or deflated entries; folders skipped). */
async function unzip(buffer, label) {
  const fail = (why) => { throw new Error(`${label} is not a usable wheel: ${why}`); };
  const view = new DataView(buffer);
  let end = buffer.byteLength - 22; // the end-of-central-directory record, found from the back
  while (end >= 0 && u32(view, end) !== 0x06054b50) end--;
  if (end < 0) fail("no zip directory");
  const files = [];
  for (let i = 0, at = u32(view, end + 16); i < u16(view, end + 10); i++) {
    if (u32(view, at) !== 0x02014b50) fail("corrupt zip directory");
    const [method, size, nameLength] = [u16(view, at + 10), u32(view, at + 20), u16(view, at + 28)];
    const name = new TextDecoder().decode(new Uint8Array(buffer, at + 46, nameLength));
    const local = u32(view, at + 42);
    const data = new Uint8Array(buffer, local + 30 + u16(view, local + 26) + u16(view, local + 28), size);
    at += 46 + nameLength + u16(view, at + 30) + u16(view, at + 32);
    if (name.endsWith("/")) continue;
    if (name.startsWith("/") || name.split("/").includes("..")) fail(`unsafe path ${name}`);
    if (method !== 0 && method !== 8) fail(`compression method ${method}`);
    files.push([name, method === 0 ? data : inflateRaw(data)]);
  }
  return Promise.all(files.map(async ([name, data]) => [name, await data]));
}

async function inflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
