// Boots Pyodide from this site (never a CDN) and imports foc_web.
//   import { loadFocWeb } from "./static/foc-loader.js";
//   const pyodide = await loadFocWeb({ onProgress: (stage, fraction) => ... });
// The site root is the folder above static/; it holds pyodide.mjs, the patched lock and the wheels.

export const SITE_ROOT = new URL("../", import.meta.url).href;

export async function loadFocWeb({ onProgress = () => {}, packages = [] } = {}) {
  onProgress("pyodide", 0);
  globalThis.FOC_WEB_BASE_URL = SITE_ROOT;
  const { loadPyodide } = await import(new URL("pyodide.mjs", SITE_ROOT).href);
  const pyodide = await loadPyodide({ indexURL: SITE_ROOT });
  onProgress("packages", 0.6);
  await pyodide.loadPackage(["foc-web", ...packages], { messageCallback: () => {} });
  onProgress("import", 0.9);
  pyodide.pyimport("foc_web");
  onProgress("ready", 1);
  return pyodide;
}
