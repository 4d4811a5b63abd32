/** The bytes behind `/th/id/<name>` (a real PNG) and `/videos/<name>` (a real MP4). */

import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A 64x64 RGB PNG of four coloured quadrants; the colours derive from the name, so each image differs. */
export function pngFor(name: string, size = 64): Buffer {
  const seed = createHash('sha256').update(name).digest();
  const colour = (q: number): [number, number, number] => [seed[q * 3]!, seed[q * 3 + 1]!, seed[q * 3 + 2]!];
  const half = size / 2;
  const rowLength = 1 + size * 3;
  const raw = Buffer.alloc(rowLength * size);
  for (let y = 0; y < size; y++) {
    raw[y * rowLength] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b] = colour((y < half ? 0 : 2) + (x < half ? 0 : 1));
      raw.set([r, g, b], y * rowLength + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A 1 s, 64x36, 4 fps H.264 (baseline) MP4 with the moov atom up front (made once with ffmpeg's
 * testsrc and libx264; it decodes cleanly with ffmpeg).
 */
export const SAMPLE_MP4 = Buffer.from(
  [
    'AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAAMQbW9vdgAAAGxtdmhkAAAAAAAAAAAAAAAAAAAD6AAAA+gAAQAAAQAA',
    'AAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAA',
    'Al90cmFrAAAAXHRraGQAAAADAAAAAAAAAAAAAAABAAAAAAAAA+gAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAA',
    'AAAAAAAAAAAAAABAAAAAAEAAAAAkAAAAAAAkZWR0cwAAABxlbHN0AAAAAAAAAAEAAAPoAAAAAAABAAAAAAHXbWRpYQAAACBtZGhk',
    'AAAAAAAAAAAAAAAAAABAAAAAQABVxAAAAAAALWhkbHIAAAAAAAAAAHZpZGUAAAAAAAAAAAAAAABWaWRlb0hhbmRsZXIAAAABgm1p',
    'bmYAAAAUdm1oZAAAAAEAAAAAAAAAAAAAACRkaW5mAAAAHGRyZWYAAAAAAAAAAQAAAAx1cmwgAAAAAQAAAUJzdGJsAAAAunN0c2QA',
    'AAAAAAAAAQAAAKphdmMxAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAEAAJABIAAAASAAAAAAAAAABDExhdmMgbGlieDI2NAAAAAAA',
    'AAAAAAAAAAAAAAAAAAAAGP//AAAAMGF2Y0MBQsAK/+EAGGdCwArZBH+fARAAAAMAEAAAAwCA8SJkgAEABWjLgJSyAAAAEHBhc3AA',
    'AAABAAAAAQAAABRidHJ0AAAAAAAAEdgAABHYAAAAGHN0dHMAAAAAAAAAAQAAAAQAABAAAAAAFHN0c3MAAAAAAAAAAQAAAAEAAAAc',
    'c3RzYwAAAAAAAAABAAAAAQAAAAQAAAABAAAAJHN0c3oAAAAAAAAAAAAAAAQAAAGWAAAALAAAAEMAAAA2AAAAFHN0Y28AAAAAAAAA',
    'AQAAA0AAAAA9dWR0YQAAADVtZXRhAAAAAAAAACFoZGxyAAAAAAAAAABtZGlyYXBwbAAAAAAAAAAAAAAAAAhpbHN0AAAACGZyZWUA',
    'AAJDbWRhdAAAAZJliIRf+32ljooABXxQDAL9mEBlgbiwJ+9nwibQQACMpcC1jJ4m7m0AK6Yc4ghq6heJEURYIywADAAAgH8GAEAS',
    'DgACAAADACAtEYOAAYAAEC7iACAAIIMQAAQAD/TCCemOgOph8eBljCZwqwUA/wDiO/nvCkYAAgDBAAilACgCa7Q0asH8AFydsKfC',
    'iNvwf/lDFg4w6QDbpZ2eJ8EP2V/rhCAmHCgOjcFjDHIFvwNR4YksNI6H+GIcOw7luXA2fLeoORQMBBnYHICqjCC49UI1DHi3/wwD',
    'h2O+FfLN8Z4DmOGAIFfDmEsYCFkY4IXcDIXGMR8eOH9gEWENH+LgEzmWf+d/CBKhAgPKmB0HFP0zA/B0PcMTD/w0UUAAn8VggfGm',
    'Vi4gIAaDAACAGc8HjhBsdzwZRtIOXgT6kEDAlwUqoIEAJTBABANDQABACAAEB7/L8t5r4Yh/8LRIHzrwojgACB2FIAAQCHs8XcP/',
    'DU583hO5B2meWB8IQDYYDAAGQJJwCxhUBuYEydIAAi53kCgACucAAAAoQZo4Tl4YIo14XL+m4riWvyan54b0AXLU+/4KJCMVivbX',
    'Ail6h7mRYAAAAD9BmlQbl8NkLcvUojFfpk34YLuuoh4ik7Zvgy+/hiO+RMsWM9+Sil4uYil+JdEjvwxxfNjn+JaMOJ1Edw/HJYAA',
    'AAAyQZpgVy+GJsynu5REtYKcb/k1OX/7DnLxWNoo59b433w3xXkRSx7o//DmW2y8Ypyan5Y=',
  ].join(''),
  'base64',
);
