/**
 * Python's `repr(float)` for JavaScript numbers.
 *
 * TensorFlow writes the `checkpoint` state file with `text_format.MessageToString`, which prints doubles
 * with Python's shortest round-trip repr: `5.0` (never `5`), `1e-07`, `1e+22`, `1795360586.287449`.
 * JavaScript's `Number#toString` produces the same *digits* (both are shortest round-trip) but a different
 * layout, so this re-lays the digits out the way CPython's `float_repr` (mode 'r') does: fixed notation
 * when the decimal exponent `decpt` (value = 0.DIGITS x 10^decpt) satisfies -4 < decpt <= 16, else
 * scientific notation with a signed exponent of at least two digits.
 */

/** Returns `repr(x)` as CPython >= 3.1 prints it (`inf`, `-inf`, `nan`, `-0.0`, `0.1`, `1e-05`, ...). */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip.
  const exp = Math.abs(x).toExponential();
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (m === null) throw new Error(`formatPythonFloat: unexpected exponential form ${exp}`);
  const digits = (m[1] ?? '') + (m[2] ?? '');
  const e10 = Number(m[3]);
  const decpt = e10 + 1;
  let body: string;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      body = '0.' + '0'.repeat(-decpt) + digits;
    } else if (decpt >= digits.length) {
      body = digits + '0'.repeat(decpt - digits.length) + '.0';
    } else {
      body = digits.slice(0, decpt) + '.' + digits.slice(decpt);
    }
  } else {
    const mant = digits.length === 1 ? digits : digits[0] + '.' + digits.slice(1);
    const ae = Math.abs(e10);
    body = mant + 'e' + (e10 < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  return sign + body;
}
