/**
 * A small seeded pseudo-random generator (xoshiro128**, by Blackman and Vigna): 128 bits of
 * state, 32-bit integer arithmetic only, the same sequence on every platform and run. Not for
 * cryptography; for simulated markets, benchmarks and property tests.
 */
export class Random {
  /** The seed this generator started from, as given. */
  readonly seed: number | string;
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  // Box–Muller yields normals in pairs: the second waits here, so normal() allocates nothing.
  #spare = 0;
  #hasSpare = false;

  /**
   * Seeds from a number or a string. Both are hashed through their decimal text, so `42` and
   * `'42'` give the same sequence (a seed from an environment variable matches one from JSON).
   */
  constructor(seed: number | string) {
    this.seed = seed;
    let h = fnv1a(String(seed));
    // splitmix32 spreads the 32-bit hash over the 128-bit state; it never yields four zeros.
    h = (h + 0x9e3779b9) | 0;
    this.#s0 = mix32(h);
    h = (h + 0x9e3779b9) | 0;
    this.#s1 = mix32(h);
    h = (h + 0x9e3779b9) | 0;
    this.#s2 = mix32(h);
    h = (h + 0x9e3779b9) | 0;
    this.#s3 = mix32(h);
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform in [0, 1), in steps of 2⁻³². */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** Uniform integer in [0, n) for 0 < n ≤ 2³² (the modulo bias is below 2⁻³²·n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (mean 0, standard deviation 1), by the Box–Muller transform. */
  normal(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    // 1 − next() lies in (0, 1], so the logarithm is finite; |result| ≤ 6.7.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.#spare = radius * Math.sin(angle);
    this.#hasSpare = true;
    return radius * Math.cos(angle);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** The output function of splitmix32. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) | 0;
}
