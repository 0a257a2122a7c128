/**
 * Draws Jobtray's icons into resources/icons/ (committed; run again after a
 * change here): `npm run icons`.
 *
 * - tray/linux/<state>.png (+ @2x): a coloured badge with a dark rim and a white
 *   glyph, readable on light and dark panels;
 * - tray/mac/<state>Template.png (+ @2x), 16 and 32 px: black with alpha only,
 *   the glyph cut out, which the menu bar tints (so each state has its own shape);
 * - tray/win/<state>.ico: 16, 20, 24 and 32 px frames, one per display scale;
 * - app/<n>x<n>.png (16 … 1024) and app/icon.ico: the application icon.
 *
 * Shapes are tested per sub-pixel (4×4 samples a pixel), so edges are smooth
 * at every size without a drawing library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import pngToIco from 'png-to-ico';
import { HEALTH_STATUSES, type HealthStatus } from '../contract/health-status.js';
import { packageRoot } from '../main/engine/paths.js';

type Point = [x: number, y: number];
/** Colour (0–255) and coverage (0–1) of one sample; a shape answers in a 0–1 square. */
type Paint = (x: number, y: number) => { rgb: [number, number, number]; alpha: number };

const SAMPLES = 4;
const WHITE: [number, number, number] = [255, 255, 255];
const RIM: [number, number, number] = [28, 32, 38];
const COLOURS: Record<HealthStatus, [number, number, number]> = {
  ok: [46, 158, 68],
  running: [47, 111, 222],
  warning: [224, 160, 0],
  failing: [217, 48, 37],
  paused: [122, 127, 135],
};

function distToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function inTriangle([px, py]: Point, a: Point, b: Point, c: Point): boolean {
  const side = (p: Point, q: Point) => (q[0] - p[0]) * (py - p[1]) - (q[1] - p[1]) * (px - p[0]);
  const s1 = side(a, b);
  const s2 = side(b, c);
  const s3 = side(c, a);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
}

const stroke = (p: Point, a: Point, b: Point, width: number) => distToSegment(p, a, b) <= width / 2;

/** The glyph of each state inside its badge: the shape carries the meaning, not only the colour. */
function glyph(status: HealthStatus, p: Point): boolean {
  const w = 0.13;
  switch (status) {
    case 'ok':
      return stroke(p, [0.3, 0.52], [0.45, 0.67], w) || stroke(p, [0.45, 0.67], [0.72, 0.36], w);
    case 'running':
      return inTriangle(p, [0.4, 0.3], [0.4, 0.7], [0.72, 0.5]);
    case 'warning':
      return stroke(p, [0.5, 0.4], [0.5, 0.64], w) || Math.hypot(p[0] - 0.5, p[1] - 0.78) <= w * 0.6;
    case 'failing':
      return stroke(p, [0.34, 0.34], [0.66, 0.66], w) || stroke(p, [0.66, 0.34], [0.34, 0.66], w);
    case 'paused':
      return stroke(p, [0.4, 0.33], [0.4, 0.67], w) || stroke(p, [0.6, 0.33], [0.6, 0.67], w);
  }
}

/** The badge: a disc, or a triangle for warning; `inset` shrinks it (the rim is the difference). */
function badge(status: HealthStatus, [x, y]: Point, inset: number): boolean {
  if (status === 'warning') {
    const top: Point = [0.5, 0.04 + inset * 1.8];
    return inTriangle([x, y], top, [0.02 + inset * 1.6, 0.94 - inset], [0.98 - inset * 1.6, 0.94 - inset]);
  }
  return Math.hypot(x - 0.5, y - 0.5) <= 0.47 - inset;
}

function colouredBadge(status: HealthStatus): Paint {
  return (x, y) => {
    if (!badge(status, [x, y], 0)) return { rgb: WHITE, alpha: 0 };
    if (!badge(status, [x, y], 0.07)) return { rgb: RIM, alpha: 1 };
    return { rgb: glyph(status, [x, y]) ? WHITE : COLOURS[status], alpha: 1 };
  };
}

/** macOS template: opaque black where the badge is, transparent glyph. */
function templateBadge(status: HealthStatus): Paint {
  return (x, y) => ({ rgb: [0, 0, 0], alpha: badge(status, [x, y], 0) && !glyph(status, [x, y]) ? 1 : 0 });
}

/** The application icon: a blue rounded square with a white tray and a check. */
const appIcon: Paint = (x, y) => {
  const r = 0.2;
  const cx = Math.min(Math.max(x, 0.04 + r), 0.96 - r);
  const cy = Math.min(Math.max(y, 0.04 + r), 0.96 - r);
  if (Math.hypot(x - cx, y - cy) > r) return { rgb: WHITE, alpha: 0 };
  const p: Point = [x, y];
  const tray =
    stroke(p, [0.24, 0.6], [0.24, 0.76], 0.08) ||
    stroke(p, [0.24, 0.76], [0.76, 0.76], 0.08) ||
    stroke(p, [0.76, 0.6], [0.76, 0.76], 0.08);
  const check = stroke(p, [0.34, 0.42], [0.46, 0.54], 0.09) || stroke(p, [0.46, 0.54], [0.68, 0.28], 0.09);
  return { rgb: tray || check ? WHITE : [47, 111, 222], alpha: 1 };
};

function render(paint: Paint, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const sample = paint((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size);
          r += sample.rgb[0] * sample.alpha;
          g += sample.rgb[1] * sample.alpha;
          b += sample.rgb[2] * sample.alpha;
          a += sample.alpha;
        }
      }
      const i = (py * size + px) * 4;
      png.data[i] = a > 0 ? Math.round(r / a) : 0;
      png.data[i + 1] = a > 0 ? Math.round(g / a) : 0;
      png.data[i + 2] = a > 0 ? Math.round(b / a) : 0;
      png.data[i + 3] = Math.round((a / (SAMPLES * SAMPLES)) * 255);
    }
  }
  return PNG.sync.write(png);
}

function write(file: string, content: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<void> {
  const out = path.join(packageRoot(), 'resources', 'icons');
  for (const status of HEALTH_STATUSES) {
    write(path.join(out, 'tray', 'linux', `${status}.png`), render(colouredBadge(status), 24));
    write(path.join(out, 'tray', 'linux', `${status}@2x.png`), render(colouredBadge(status), 48));
    write(path.join(out, 'tray', 'mac', `${status}Template.png`), render(templateBadge(status), 16));
    write(path.join(out, 'tray', 'mac', `${status}Template@2x.png`), render(templateBadge(status), 32));
    write(
      path.join(out, 'tray', 'win', `${status}.ico`),
      await pngToIco([16, 20, 24, 32].map((size) => render(colouredBadge(status), size))),
    );
  }
  const appSizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
  const app = new Map(appSizes.map((size) => [size, render(appIcon, size)]));
  for (const [size, png] of app) write(path.join(out, 'app', `${size}x${size}.png`), png);
  write(
    path.join(out, 'app', 'icon.ico'),
    await pngToIco([16, 24, 32, 48, 64, 128, 256].map((size) => app.get(size)!)),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
