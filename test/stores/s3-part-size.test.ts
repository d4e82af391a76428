// The part size of a staged multipart upload: the configured one, raised for files that would
// need more than S3's 10,000 parts, always within S3's 5 MiB … 5 GiB.
import { describe, expect, it } from 'vitest';
import { s3PartSizeFor } from '../../src/stores/s3-staged-uploads.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('s3PartSizeFor', () => {
  it('keeps the configured size while 10,000 parts suffice', () => {
    expect(s3PartSizeFor(GiB, 64 * MiB)).toBe(64 * MiB);
    expect(s3PartSizeFor(10_000 * 64 * MiB, 64 * MiB)).toBe(64 * MiB);
  });

  it('raises it, to whole MiB, for a file that would need more parts', () => {
    const size = 10_000 * 64 * MiB + 1;
    const partSize = s3PartSizeFor(size, 64 * MiB);
    expect(partSize).toBe(65 * MiB);
    expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(10_000);
  });

  it("stays within S3's limits, and refuses a file no 10,000 parts of 5 GiB hold", () => {
    expect(s3PartSizeFor(100 * MiB, MiB)).toBe(5 * MiB);
    expect(s3PartSizeFor(10_000 * 5 * GiB, 64 * MiB)).toBe(5 * GiB);
    expect(() => s3PartSizeFor(10_000 * 5 * GiB + 1, 64 * MiB)).toThrow(RangeError);
  });
});
