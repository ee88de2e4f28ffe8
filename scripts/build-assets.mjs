// Builds Consort's front-end assets into workflow/static/dist/ (git-ignored):
//   consort.css              GOV.UK Frontend + our brand, from assets/consort.scss
//   govuk-frontend.min.js    GOV.UK Frontend's ES module (imported by static/consort.js)
//   favicon.svg              our own icon (GOV.UK Frontend's favicons carry the crown)
// No images or fonts are copied: the crown-branded favicons, crest and
// GDS Transport font files are not ours to use.
//
// Run with `npm run build` after `npm ci`.

import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nodeModules = path.join(root, "node_modules");
const govuk = path.join(nodeModules, "govuk-frontend", "dist", "govuk");
const dist = path.join(root, "workflow", "static", "dist");

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
  <rect width="32" height="32" rx="6" fill="#0b5f63"/>
  <g fill="#ffffff">
    <ellipse cx="10" cy="22.5" rx="4" ry="3.3"/>
    <ellipse cx="21.5" cy="20" rx="4" ry="3.3"/>
    <rect x="12.4" y="8.6" width="2" height="14"/>
    <rect x="23.9" y="6" width="2" height="14"/>
    <path d="M12.4 8.6 25.9 5.6v3.6L12.4 12.2z"/>
  </g>
</svg>
`;

async function main() {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });

  const result = await sass.compileAsync(path.join(root, "assets", "consort.scss"), {
    loadPaths: [nodeModules],
    style: "compressed",
    sourceMap: false,
    // GOV.UK Frontend's own deprecation notices are not ours to fix.
    quietDeps: true,
  });
  const css = result.css;
  // Our brand guard: no GOV.UK typeface and no web fonts at all. (The footer's
  // crest rule is still compiled in, but we never render .govuk-footer__copyright-logo.)
  for (const forbidden of ["GDS Transport", "@font-face"]) {
    if (css.includes(forbidden)) {
      throw new Error(`consort.css unexpectedly contains ${forbidden}`);
    }
  }
  await writeFile(path.join(dist, "consort.css"), css + "\n");

  await copyFile(path.join(govuk, "govuk-frontend.min.js"), path.join(dist, "govuk-frontend.min.js"));
  await writeFile(path.join(dist, "favicon.svg"), FAVICON);

  console.log(`Built ${path.relative(root, dist)}: consort.css (${css.length} bytes), govuk-frontend.min.js, favicon.svg`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
