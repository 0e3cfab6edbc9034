// Where an edge's label goes: on the drawn curve, in the middle of the longest stretch where the label's box is
// clear of every node. The middle bend of a long routed edge may sit beside (or under) the runs it bends around.

import type { Point } from "../../model/lineage/layout";

export interface Box {
  x: number; // top-left corner
  y: number;
  width: number;
  height: number;
}

/** Sampling step along the curve, in flow units (a node is 220 wide). */
const STEP = 4;

/** Points along the curve `routedPath` draws for the same ends and bends (cubic for a direct edge, else quadratic
 *  pieces through the midpoints between bends), about STEP apart. */
export function curvePoints(start: Point, bends: readonly Point[], end: Point): Point[] {
  const pieces: Point[][] = [];
  if (bends.length === 0) {
    const bend = Math.max(30, (end.x - start.x) / 2);
    pieces.push([start, { x: start.x + bend, y: start.y }, { x: end.x - bend, y: end.y }, end]);
  } else {
    const points = [start, ...bends, end];
    let from = start;
    for (let i = 1; i < points.length - 1; i++) {
      const p = points[i];
      const next = points[i + 1];
      const to = i === points.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
      pieces.push([from, p, to]);
      from = to;
    }
  }
  const out: Point[] = [start];
  for (const piece of pieces) {
    // The control polygon is never shorter than the curve: enough samples for STEP spacing.
    let length = 0;
    for (let i = 1; i < piece.length; i++)
      length += Math.hypot(piece[i].x - piece[i - 1].x, piece[i].y - piece[i - 1].y);
    const n = Math.max(1, Math.ceil(length / STEP));
    for (let k = 1; k <= n; k++) out.push(bezier(piece, k / n));
  }
  return out;
}

function bezier(p: Point[], t: number): Point {
  const u = 1 - t;
  if (p.length === 3) {
    return {
      x: u * u * p[0].x + 2 * u * t * p[1].x + t * t * p[2].x,
      y: u * u * p[0].y + 2 * u * t * p[1].y + t * t * p[2].y,
    };
  }
  return {
    x: u * u * u * p[0].x + 3 * u * u * t * p[1].x + 3 * u * t * t * p[2].x + t * t * t * p[3].x,
    y: u * u * u * p[0].y + 3 * u * u * t * p[1].y + 3 * u * t * t * p[2].y + t * t * t * p[3].y,
  };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Where the label goes and what it says: centred in the middle (by length) of the longest run of curve points where
 *  its box overlaps no node. A label too long for any clear run loses the middle of its text (the file name's end
 *  stays) until it fits; if even a short one does not, it goes where the curve is off every node, else mid-curve. */
export function labelPlace(
  curve: readonly Point[],
  nodes: readonly Box[],
  text: string,
  size: (text: string) => { width: number; height: number },
): { at: Point; text: string } {
  const full = size(text);
  // Only nodes near the curve can be in the way.
  const xs = curve.map((p) => p.x);
  const ys = curve.map((p) => p.y);
  const reach: Box = {
    x: Math.min(...xs) - full.width,
    y: Math.min(...ys) - full.height,
    width: Math.max(...xs) - Math.min(...xs) + 2 * full.width,
    height: Math.max(...ys) - Math.min(...ys) + 2 * full.height,
  };
  const near = nodes.filter((n) => overlaps(n, reach));
  const clearFor = (box: { width: number; height: number }) => (p: Point) =>
    !near.some((n) => overlaps({ x: p.x - box.width / 2, y: p.y - box.height / 2, ...box }, n));
  for (let keep = text.length; keep >= MIN_CHARS || keep === text.length; keep = nextShorter(keep)) {
    const shown = cutMiddle(text, keep);
    const at = middleOfLongestClearRun(curve, clearFor(size(shown)));
    if (at) return { at, text: shown };
    if (keep <= MIN_CHARS) break;
  }
  const shortest = cutMiddle(text, MIN_CHARS);
  const at = middleOfLongestClearRun(curve, clearFor({ width: 0.01, height: 0.01 }));
  return { at: at ?? curve[Math.floor(curve.length / 2)], text: shortest };
}

/** Labels are not cut below this many characters (an ellipsis and a file extension). */
const MIN_CHARS = 10;

function nextShorter(keep: number): number {
  return Math.max(MIN_CHARS, Math.min(keep - 1, Math.floor(keep * 0.85)));
}

/** `text` in at most `keep` characters, its middle replaced by an ellipsis. */
function cutMiddle(text: string, keep: number): string {
  if (text.length <= keep) return text;
  const tail = Math.ceil((keep - 1) / 2);
  return `${text.slice(0, keep - 1 - tail)}\u2026${text.slice(text.length - tail)}`;
}
function middleOfLongestClearRun(curve: readonly Point[], clear: (p: Point) => boolean): Point | null {
  let best: { from: number; to: number; length: number } | null = null;
  let from = -1;
  let length = 0;
  for (let i = 0; i <= curve.length; i++) {
    const ok = i < curve.length && clear(curve[i]);
    if (ok && from < 0) {
      from = i;
      length = 0;
    } else if (ok) {
      length += Math.hypot(curve[i].x - curve[i - 1].x, curve[i].y - curve[i - 1].y);
    } else if (from >= 0) {
      if (!best || length > best.length) best = { from, to: i - 1, length };
      from = -1;
    }
  }
  if (!best) return null;
  // Walk half the run's length from its start.
  let left = best.length / 2;
  for (let i = best.from + 1; i <= best.to; i++) {
    const step = Math.hypot(curve[i].x - curve[i - 1].x, curve[i].y - curve[i - 1].y);
    if (step >= left) {
      const t = step ? left / step : 0;
      return {
        x: curve[i - 1].x + t * (curve[i].x - curve[i - 1].x),
        y: curve[i - 1].y + t * (curve[i].y - curve[i - 1].y),
      };
    }
    left -= step;
  }
  return curve[best.from];
}
