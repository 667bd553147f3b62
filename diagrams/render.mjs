// Renders every *.mmd in this folder to the .svg beside it, with one launch of Debian's chromium.
//   npm run render          rewrite the SVGs
//   npm run check           render to memory and fail if a committed SVG is stale or a source does not render
//   node render.mjs --png DIR   also write PNGs to DIR, to look at the pictures
import { renderMermaid } from "@mermaid-js/mermaid-cli";
import puppeteer from "puppeteer";
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes("--check");
const pngFlag = process.argv.indexOf("--png");
const pngDir = pngFlag >= 0 ? process.argv[pngFlag + 1] : null;

// Fixed ids and SVG text labels: the same source always renders to the same bytes, so CI can compare them,
// and the SVGs show in viewers that do not render HTML inside SVG.
const options = (name) => ({
  backgroundColor: "white",
  svgId: name,
  mermaidConfig: {
    theme: "default",
    deterministicIds: true,
    deterministicIDSeed: name,
    fontFamily: "Liberation Sans, Arial, sans-serif",
    flowchart: { htmlLabels: false },
    sequence: { useMaxWidth: false },
  },
});

const browser = await puppeteer.launch({
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || "/usr/bin/chromium",
  args: ["--no-sandbox"],
  headless: true,
});
const problems = [];
let rendered = 0;
try {
  if (pngDir) mkdirSync(pngDir, { recursive: true });
  for (const file of readdirSync(here).filter((f) => f.endsWith(".mmd")).sort()) {
    const name = file.slice(0, -4);
    const source = readFileSync(join(here, file), "utf8");
    let svg;
    try {
      const { data } = await renderMermaid(browser, source, "svg", options(name));
      svg = Buffer.from(data).toString("utf8");
    } catch (e) {
      problems.push(`${file} does not render: ${e.message.split("\n")[0]}`);
      continue;
    }
    rendered++;
    const target = join(here, `${name}.svg`);
    if (check) {
      if (!existsSync(target)) problems.push(`${name}.svg is missing: run npm run render`);
      else if (readFileSync(target, "utf8") !== svg) problems.push(`${name}.svg is stale: run npm run render`);
    } else {
      writeFileSync(target, svg);
    }
    if (pngDir) {
      const { data } = await renderMermaid(browser, source, "png", options(name));
      writeFileSync(join(pngDir, `${name}.png`), data);
    }
  }
} finally {
  await browser.close();
}
for (const p of problems) console.error(p);
console.log(`${rendered} diagram(s) ${check ? "checked" : "rendered"}${problems.length ? `, ${problems.length} problem(s)` : ""}`);
process.exit(problems.length ? 1 : 0);
